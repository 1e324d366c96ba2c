//! The files a registry names (trust anchors, `pem_file`, `jwks_file`) on their way into the
//! database and back: [`RecordingFiles`] remembers every file the core's loader reads from disk
//! during an import, and [`StoredFiles`] serves them from memory to the same loader on every
//! replica.

use std::collections::BTreeMap;

use certbind_core::{FileError, FileSource};

/// Reads through another source and keeps the bytes of every file read, by the name the
/// registry uses.
#[derive(Debug)]
pub(crate) struct RecordingFiles<S> {
    inner: S,
    pub(crate) seen: BTreeMap<String, Vec<u8>>,
}

impl<S: FileSource> RecordingFiles<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            seen: BTreeMap::new(),
        }
    }
}

impl<S: FileSource> FileSource for RecordingFiles<S> {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        let bytes = self.inner.read(path)?;
        self.seen.insert(path.to_owned(), bytes.clone());
        Ok(bytes)
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        // Read the document itself (bounded like every file), keep it, parse it as disk does.
        let bytes = self.inner.read(path)?;
        let certificates = crate::registry::jwks_certificates(&bytes, path)?;
        self.seen.insert(path.to_owned(), bytes);
        Ok(certificates)
    }
}

/// Files held in memory, by name (what `registry_files` holds).
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredFiles {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
}

impl FileSource for StoredFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.files.get(path).cloned().ok_or_else(|| {
            FileError::Failed(
                "not in the store (import the registry that names it with `certbind clients \
                 import`)"
                    .into(),
            )
        })
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        let bytes = self.read(path)?;
        crate::registry::jwks_certificates(&bytes, path)
    }
}
