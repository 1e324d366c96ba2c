//! Password-based decryption of PKCS#12 contents: the PKCS#12 PBEs (RFC 7292 Appendix C:
//! 3-key and 2-key triple DES, 128- and 40-bit RC2, all with SHA-1) and PBES2 (RFC 8018:
//! PBKDF2 with HMAC-SHA-1/-224/-256/-384/-512 or scrypt, then AES-128/192/256-CBC, AES-GCM or
//! triple DES). RC4 and PBES1 are not supported (no current tool writes them).
//!
//! Every iteration count is checked against the budget before any derivation starts.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, InnerIvInit, KeyInit, KeyIvInit};
use const_oid::ObjectIdentifier;
use pkcs5::pbes2;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use zeroize::Zeroizing;

use super::asn1::{Algorithm, malformed, read_pbe_params};
use super::password::{Budget, Secret};
use crate::Error;

/// Why decryption did not give a plaintext.
#[derive(Debug)]
pub(super) enum Failure {
    /// The padding or the authentication tag is wrong: almost surely the wrong password.
    WrongPassword,
    /// The file is malformed, unsupported or over the limits.
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Fatal(e)
    }
}

/// The PKCS#12 PBE algorithms (RFC 7292 Appendix C).
const PBE_SHA1_RC4_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
const PBE_SHA1_RC4_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

/// The largest scrypt memory use accepted, in bytes (128 · r · N).
const MAX_SCRYPT_MEMORY: u64 = 32 * 1024 * 1024;

/// A readable name for an encryption algorithm, for messages.
pub(super) fn algorithm_name(oid: ObjectIdentifier) -> String {
    let name = match oid {
        PBE_SHA1_RC4_128 => "pbeWithSHAAnd128BitRC4",
        PBE_SHA1_RC4_40 => "pbeWithSHAAnd40BitRC4",
        PBE_SHA1_3DES => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        PBE_SHA1_2DES => "pbeWithSHAAnd2-KeyTripleDES-CBC",
        PBE_SHA1_RC2_128 => "pbeWithSHAAnd128BitRC2-CBC",
        PBE_SHA1_RC2_40 => "pbeWithSHAAnd40BitRC2-CBC",
        pbes2::PBES2_OID => "PBES2",
        _ => "encryption algorithm",
    };
    format!("{name} ({oid})")
}

/// Decrypts `ciphertext` with `secret`.
pub(super) fn decrypt(
    algorithm: &Algorithm<'_>,
    ciphertext: &[u8],
    secret: &Secret,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    match algorithm.oid {
        PBE_SHA1_3DES | PBE_SHA1_2DES | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            decrypt_pkcs12_pbe(algorithm, ciphertext, secret, budget)
        }
        pbes2::PBES2_OID => decrypt_pbes2(algorithm, ciphertext, secret, budget),
        oid => Err(Failure::Fatal(Error::Pkcs12Unsupported {
            algorithm: algorithm_name(oid),
        })),
    }
}

fn decrypt_pkcs12_pbe(
    algorithm: &Algorithm<'_>,
    ciphertext: &[u8],
    secret: &Secret,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let name = algorithm_name(algorithm.oid);
    let (salt, iterations) = read_pbe_params(algorithm.parameters)
        .map_err(|e| malformed(&format!("{name} parameters"), &e))?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(8) {
        return Err(Failure::Fatal(Error::Pkcs12Malformed {
            reason: format!(
                "{name}: {} encrypted bytes are not whole 8-byte blocks",
                ciphertext.len()
            ),
        }));
    }
    // Key and IV are two derivations.
    let rounds = budget.spend(iterations, 2)?;
    let key_len = match algorithm.oid {
        PBE_SHA1_3DES => 24,
        PBE_SHA1_2DES | PBE_SHA1_RC2_128 => 16,
        _ => 5,
    };
    let pass = secret.bmp.as_slice();
    let key = Zeroizing::new(derive_key::<sha1::Sha1>(
        pass,
        salt,
        Pkcs12KeyType::EncryptionKey,
        rounds,
        key_len,
    ));
    let iv = derive_key::<sha1::Sha1>(pass, salt, Pkcs12KeyType::Iv, rounds, 8);
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let length = match algorithm.oid {
        PBE_SHA1_3DES => cbc_decrypt::<des::TdesEde3>(&key, &iv, &mut buffer),
        PBE_SHA1_2DES => cbc_decrypt::<des::TdesEde2>(&key, &iv, &mut buffer),
        _ => {
            let effective_bits = key_len * 8;
            let cipher = rc2::Rc2::new_with_eff_key_len(&key, effective_bits);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                .ok()
                .and_then(|d| d.decrypt_padded::<Pkcs7>(&mut buffer).ok().map(<[u8]>::len))
        }
    };
    let length = length.ok_or(Failure::WrongPassword)?;
    buffer.truncate(length);
    Ok(buffer)
}

fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    buffer: &mut [u8],
) -> Option<usize> {
    let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    decryptor
        .decrypt_padded::<Pkcs7>(buffer)
        .ok()
        .map(<[u8]>::len)
}

fn decrypt_pbes2(
    algorithm: &Algorithm<'_>,
    ciphertext: &[u8],
    secret: &Secret,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let parameters = algorithm.parameters.ok_or_else(|| Error::Pkcs12Malformed {
        reason: String::from("PBES2 without parameters"),
    })?;
    let params = pbes2::Parameters::try_from(parameters).map_err(|e| pbes2_error(&e))?;
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(p) => {
            if p.iteration_count == 0 {
                return Err(Failure::Fatal(Error::Pkcs12Malformed {
                    reason: String::from("PBKDF2 iteration count is 0"),
                }));
            }
            budget.spend(u64::from(p.iteration_count), 1)?;
        }
        pbes2::Kdf::Scrypt(p) => {
            let n = p.cost_parameter;
            let (r, parallel) = (u64::from(p.block_size), u64::from(p.parallelization));
            if n < 2 || !n.is_power_of_two() || r == 0 || parallel == 0 {
                return Err(Failure::Fatal(Error::Pkcs12Malformed {
                    reason: format!("invalid scrypt parameters N={n}, r={r}, p={parallel}"),
                }));
            }
            let memory = n.saturating_mul(r).saturating_mul(128);
            if memory > MAX_SCRYPT_MEMORY {
                return Err(Failure::Fatal(Error::Pkcs12Unsupported {
                    algorithm: format!(
                        "scrypt with N={n}, r={r} ({} MiB; the limit is {} MiB)",
                        memory >> 20,
                        MAX_SCRYPT_MEMORY >> 20
                    ),
                }));
            }
            // scrypt's work is about N·r·p block mixes; count N·p as iterations.
            budget.spend(n.saturating_mul(parallel), 1)?;
        }
        other => {
            return Err(Failure::Fatal(Error::Pkcs12Unsupported {
                algorithm: format!("the PBES2 key derivation {}", other.oid()),
            }));
        }
    }
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let length = match params.decrypt_in_place(secret.utf8.as_slice(), &mut buffer) {
        Ok(plain) => plain.len(),
        Err(pkcs5::Error::DecryptFailed) => return Err(Failure::WrongPassword),
        Err(e) => return Err(Failure::Fatal(pkcs5_error(&e))),
    };
    buffer.truncate(length);
    Ok(buffer)
}

fn pbes2_error(e: &der::Error) -> Failure {
    // pkcs5 reports an algorithm it does not know as a der error about the OID.
    Failure::Fatal(Error::Pkcs12Unsupported {
        algorithm: format!(
            "these PBES2 parameters (PBKDF2 or scrypt with AES or 3DES are supported): {e}"
        ),
    })
}

fn pkcs5_error(e: &pkcs5::Error) -> Error {
    match e {
        pkcs5::Error::UnsupportedAlgorithm { oid } => Error::Pkcs12Unsupported {
            algorithm: format!("the PBES2 algorithm {oid}"),
        },
        other => Error::Pkcs12Malformed {
            reason: format!("PBES2: {other}"),
        },
    }
}
