//! Files a registry names (trust anchors, certificates, JWKS), read by whoever can read them.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Why a file named in the registry could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileError {
    /// There is no file system here (npm, the browser): the load continues with a warning, and
    /// anchors may be given as data instead.
    Unavailable,
    /// The file could not be read: a load problem.
    Failed(String),
}

/// Reads the files a registry names. Paths are given as written in the registry; the
/// implementation resolves them (the host: relative to the registry file).
pub trait FileSource {
    /// The bytes of a certificate file (PEM, DER, PKCS#7 … anything [`crate::decode`] reads).
    ///
    /// # Errors
    /// [`FileError`] when the file cannot be read.
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError>;

    /// The DER certificates of a JWKS file: the first `x5c` entry of every key (RFC 7517
    /// §4.7), base64-decoded. The core has no JSON parser; hosts that support JWKS files
    /// implement this.
    ///
    /// # Errors
    /// [`FileError`] when the file cannot be read or is not a JWKS; by default JWKS files are
    /// [`FileError::Unavailable`].
    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        let _ = path;
        Err(FileError::Unavailable)
    }
}

/// No file system: every file is [`FileError::Unavailable`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFiles;

impl FileSource for NoFiles {
    fn read(&mut self, _path: &str) -> Result<Vec<u8>, FileError> {
        Err(FileError::Unavailable)
    }
}

/// Files given as data, by the path the registry uses (npm `explain(…, {files})`, tests).
/// A path that is not in the map is [`FileError::Failed`].
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, Vec<u8>>,
    jwks: BTreeMap<String, Vec<Vec<u8>>>,
}

impl MemoryFiles {
    /// No files.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a certificate file.
    #[must_use]
    pub fn with(mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), bytes.into());
        self
    }

    /// Adds a JWKS file as the DER certificates of its keys' `x5c`.
    #[must_use]
    pub fn with_jwks(mut self, path: impl Into<String>, certificates: Vec<Vec<u8>>) -> Self {
        self.jwks.insert(path.into(), certificates);
        self
    }
}

impl FileSource for MemoryFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| FileError::Failed("no such file was given".to_string()))
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        self.jwks
            .get(path)
            .cloned()
            .ok_or_else(|| FileError::Failed("no such JWKS was given".to_string()))
    }
}
