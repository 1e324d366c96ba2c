//! The PKCS#12 integrity MAC (RFC 7292 §5 and Appendix B): HMAC over the AuthenticatedSafe
//! bytes, keyed by the PKCS#12 KDF with the MAC's own hash. A valid MAC proves the password;
//! an invalid one means the password is wrong (or the file was altered, which looks the same).
//!
//! Supported hashes: SHA-1 (Windows, `openssl -legacy`), SHA-224, SHA-256 (OpenSSL 3), SHA-384,
//! SHA-512. PBMAC1 (RFC 9579, OpenSSL 3.4 `-pbmac1_pbkdf2`) is not supported and reported as
//! such.

use alloc::format;

use const_oid::ObjectIdentifier;
use hmac::SimpleHmac;
use hmac::digest::block_api::BlockSizeUser;
use hmac::digest::{Digest, FixedOutputReset, KeyInit, Mac, OutputSizeUser};
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use zeroize::Zeroizing;

use super::asn1::MacData;
use super::password::Secret;
use crate::Error;

/// A hash the MAC can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MacHash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

impl MacHash {
    /// The MAC hash named by `oid`.
    ///
    /// # Errors
    /// [`Error::Pkcs12Unsupported`] for any other algorithm.
    pub(super) fn from_oid(oid: ObjectIdentifier) -> Result<Self, Error> {
        Ok(match oid {
            SHA1 => Self::Sha1,
            SHA224 => Self::Sha224,
            SHA256 => Self::Sha256,
            SHA384 => Self::Sha384,
            SHA512 => Self::Sha512,
            PBMAC1 => {
                return Err(Error::Pkcs12Unsupported {
                    algorithm: format!("the PBMAC1 integrity MAC (RFC 9579, {oid})"),
                });
            }
            _ => {
                return Err(Error::Pkcs12Unsupported {
                    algorithm: format!("the MAC hash algorithm {oid}"),
                });
            }
        })
    }
}

/// Whether the MAC over `data` checks out with `secret`. `rounds` has been checked against the
/// limits by the caller.
pub(super) fn verify(
    mac: &MacData<'_>,
    hash: MacHash,
    data: &[u8],
    secret: &Secret,
    rounds: i32,
) -> bool {
    let (pass, salt, tag) = (secret.bmp.as_slice(), mac.salt, mac.digest);
    match hash {
        MacHash::Sha1 => check::<sha1::Sha1>(pass, salt, rounds, data, tag),
        MacHash::Sha224 => check::<sha2::Sha224>(pass, salt, rounds, data, tag),
        MacHash::Sha256 => check::<sha2::Sha256>(pass, salt, rounds, data, tag),
        MacHash::Sha384 => check::<sha2::Sha384>(pass, salt, rounds, data, tag),
        MacHash::Sha512 => check::<sha2::Sha512>(pass, salt, rounds, data, tag),
    }
}

fn check<D>(pass: &[u8], salt: &[u8], rounds: i32, data: &[u8], tag: &[u8]) -> bool
where
    D: Digest + FixedOutputReset + BlockSizeUser,
{
    let key_len = <D as OutputSizeUser>::output_size();
    let key = Zeroizing::new(derive_key::<D>(
        pass,
        salt,
        Pkcs12KeyType::Mac,
        rounds,
        key_len,
    ));
    let Ok(mut hmac) = <SimpleHmac<D> as KeyInit>::new_from_slice(&key) else {
        return false;
    };
    hmac.update(data);
    // Constant-time comparison.
    hmac.verify_slice(tag).is_ok()
}
