//! What reading a PKCS#12 file gives (with or without the `pkcs12` feature).

use alloc::string::String;
use alloc::vec::Vec;

/// What a PKCS#12 file holds, without its private keys.
#[derive(Debug, Default)]
pub(crate) struct Contents {
    /// Each certificate's DER, and the byte offset in the input of the ContentInfo it was in.
    pub(crate) certificates: Vec<(Vec<u8>, usize)>,
    /// Index in `certificates` of the certificate the (first) private key belongs to.
    pub(crate) key_certificate: Option<usize>,
    /// Whether the file holds a private key.
    pub(crate) has_private_key: bool,
    /// What was skipped or assumed.
    pub(crate) notes: Vec<String>,
}
