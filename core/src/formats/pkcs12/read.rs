//! Walking a PFX: check the MAC, decrypt the ContentInfos, collect certificate bags, pair the
//! private key with its certificate.
//!
//! The whole outer structure is parsed before any key derivation, so a truncated or malformed
//! file fails fast and costs no KDF work.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::{AnyRef, Decode, Encode};
use zeroize::Zeroizing;

use super::Contents;
use super::asn1::{
    self, ContentInfo, ID_DATA, ID_ENCRYPTED_DATA, ID_ENVELOPED_DATA, ID_SIGNED_DATA, SafeBag,
    malformed,
};
use super::decrypt::{Failure, decrypt};
use super::key_match;
use super::mac::{self, MacHash};
use super::password::{self, Budget, Form, Secret};
use crate::pkcs7::offset_in;
use crate::{Error, Limits};

const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const CRL_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.4");
const SECRET_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5");
const SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// How deep `safeContentsBag`s may nest.
const MAX_NESTING: usize = 4;

/// A private key bag, kept only until its certificate is known.
struct KeyBag {
    local_key_id: Option<Vec<u8>>,
    /// The bag's DER: a PrivateKeyInfo (keyBag, wiped on drop) or an EncryptedPrivateKeyInfo.
    der: Zeroizing<Vec<u8>>,
    shrouded: bool,
}

/// State of the walk over the file.
struct Walk<'s> {
    contents: Contents,
    local_key_ids: Vec<Option<Vec<u8>>>,
    keys: Vec<KeyBag>,
    limits: Limits,
    budget: Budget,
    /// Password forms still possible, most likely first.
    secrets: Vec<&'s Secret>,
    /// Whether `secrets[0]` is proven (by the MAC or a successful decryption).
    proven: bool,
    /// Whether a password was given.
    password_given: bool,
    /// Whether decrypting a key was tried already (so that it is tried once).
    key_tried: bool,
}

pub(super) fn read(
    input: &[u8],
    password: Option<&str>,
    limits: &Limits,
) -> Result<Contents, Error> {
    let der = asn1::as_der(input, "PFX")?;
    let ber = matches!(der, Cow::Owned(_));
    let der = der.as_ref();
    let pfx = asn1::read_pfx(der)?;
    match pfx.auth_safe.content_type {
        ID_DATA => {}
        ID_SIGNED_DATA => {
            return Err(Error::Pkcs12Unsupported {
                algorithm: String::from("public-key integrity mode (a signedData authSafe)"),
            });
        }
        other => {
            return Err(Error::Pkcs12Malformed {
                reason: format!("the authSafe content type is {other}, not data or signedData"),
            });
        }
    }
    // The MAC is over these bytes as written; the reading is of their DER form.
    let auth_safe = asn1::data_octets(&pfx.auth_safe, "authSafe")?;
    let auth_safe_der = asn1::as_der(auth_safe, "AuthenticatedSafe")?;
    let ber = ber || matches!(auth_safe_der, Cow::Owned(_));
    let infos = asn1::read_authenticated_safe(&auth_safe_der)?;

    let candidates = password::candidates(password);
    let password_given = password.is_some_and(|p| !p.is_empty());
    let mut walk = Walk {
        contents: Contents::default(),
        local_key_ids: Vec::new(),
        keys: Vec::new(),
        limits: *limits,
        budget: Budget::new(limits.max_pkcs12_iterations),
        secrets: candidates.iter().collect(),
        proven: false,
        password_given,
        key_tried: false,
    };

    if let Some(mac_data) = &pfx.mac {
        let hash = MacHash::from_oid(mac_data.digest_algorithm.oid)?;
        let mut verified = None;
        for secret in &candidates {
            let rounds = walk.budget.spend(mac_data.iterations.max(1), 1)?;
            if mac::verify(mac_data, hash, auth_safe, secret, rounds) {
                verified = Some(secret);
                break;
            }
        }
        let secret = verified.ok_or_else(|| walk.no_password_error())?;
        walk.note_password_form(secret.form);
        walk.secrets = alloc::vec![secret];
        walk.proven = true;
    } else {
        walk.contents.notes.push(String::from(
            "the file has no integrity MAC; the password is checked only by decryption",
        ));
    }
    if ber {
        walk.contents.notes.push(String::from(
            "the file is BER-encoded (indefinite lengths, OCTET STRINGs in segments), as BouncyCastle and Apple Keychain write PKCS#12; byte offsets are in its DER form",
        ));
    }

    for (index, (info, tlv)) in infos.iter().enumerate() {
        // In the file for DER; in the DER form of a BER file.
        let offset = offset_in(der, auth_safe) + offset_in(&auth_safe_der, tlv);
        walk.content_info(info, index + 1, offset)?;
    }
    walk.pair_key()?;
    walk.check_unproven_password()?;
    Ok(walk.contents)
}

impl Walk<'_> {
    fn no_password_error(&self) -> Error {
        if self.password_given {
            Error::Pkcs12WrongPassword
        } else {
            Error::Pkcs12PasswordRequired
        }
    }

    fn note_password_form(&mut self, form: Form) {
        let note = match form {
            Form::EmptyBmp | Form::Absent if self.password_given => {
                "the file's password is empty; the password given was not needed"
            }
            Form::GivenBytewise => "the password matched in OpenSSL 1.x's byte-wise encoding",
            _ => return,
        };
        self.contents.notes.push(String::from(note));
    }

    fn content_info(
        &mut self,
        info: &ContentInfo<'_>,
        index: usize,
        offset: usize,
    ) -> Result<(), Error> {
        let what = format!("authSafe ContentInfo #{index}");
        match info.content_type {
            ID_DATA => {
                let bytes = asn1::as_der(asn1::data_octets(info, &what)?, &what)?;
                let bags = asn1::read_safe_contents(&bytes, &what)?;
                self.bags(&bags, &what, offset, 0)
            }
            ID_ENCRYPTED_DATA => {
                let (algorithm, ciphertext) = asn1::read_encrypted_data(info, &what)?;
                let plain = self.decrypt_until_proven(&what, |secret, budget| {
                    let plain = decrypt(&algorithm, &ciphertext, secret, budget)?;
                    // A wrong key that happens to give valid padding gives garbage, not DER.
                    let readable = asn1::as_der(&plain, &what)
                        .is_ok_and(|der| asn1::read_safe_contents(&der, &what).is_ok());
                    if readable {
                        Ok(plain)
                    } else {
                        Err(Failure::WrongPassword)
                    }
                })?;
                let plain = asn1::as_der(&plain, &what)?;
                let bags = asn1::read_safe_contents(&plain, &what)?;
                self.bags(&bags, &what, offset, 0)
            }
            ID_ENVELOPED_DATA => Err(Error::Pkcs12Unsupported {
                algorithm: format!("{what}: public-key privacy mode (envelopedData)"),
            }),
            other => {
                self.contents
                    .notes
                    .push(format!("{what}: skipped content of type {other}"));
                Ok(())
            }
        }
    }

    /// Runs `attempt` with each possible password form until one works; from then on, only that
    /// form is tried.
    fn decrypt_until_proven<T>(
        &mut self,
        what: &str,
        mut attempt: impl FnMut(&Secret, &mut Budget) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        let secrets = self.secrets.clone();
        for (i, secret) in secrets.iter().enumerate() {
            match attempt(secret, &mut self.budget) {
                Ok(value) => {
                    if !self.proven {
                        self.note_password_form(secret.form);
                        self.secrets = secrets.get(i..i + 1).map(<[_]>::to_vec).unwrap_or_default();
                        self.proven = true;
                    }
                    return Ok(value);
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::WrongPassword) if self.proven => {
                    return Err(Error::Pkcs12Malformed {
                        reason: format!(
                            "{what} does not decrypt with the password that opened the rest of \
                             the file: the file is corrupted, or uses a separate encryption \
                             password (-twopass)"
                        ),
                    });
                }
                Err(Failure::WrongPassword) => {}
            }
        }
        Err(self.no_password_error())
    }

    fn bags(
        &mut self,
        bags: &[SafeBag<'_>],
        what: &str,
        offset: usize,
        depth: usize,
    ) -> Result<(), Error> {
        for (index, bag) in bags.iter().enumerate() {
            let what = format!("{what}, SafeBag #{}", index + 1);
            match bag.bag_id {
                CERT_BAG => self.cert_bag(bag, &what, offset)?,
                KEY_BAG | SHROUDED_KEY_BAG => {
                    self.contents.has_private_key = true;
                    let der = bag.value.to_der().map_err(|e| malformed(&what, &e))?;
                    self.keys.push(KeyBag {
                        local_key_id: bag.local_key_id.map(<[u8]>::to_vec),
                        der: Zeroizing::new(der),
                        shrouded: bag.bag_id == SHROUDED_KEY_BAG,
                    });
                }
                SAFE_CONTENTS_BAG => {
                    if depth >= MAX_NESTING {
                        return Err(Error::Pkcs12Malformed {
                            reason: format!(
                                "{what}: safeContentsBags nested more than {MAX_NESTING} deep"
                            ),
                        });
                    }
                    let nested = bag.value.to_der().map_err(|e| malformed(&what, &e))?;
                    let inner = asn1::read_safe_contents(&nested, &what)?;
                    self.bags(&inner, &what, offset, depth + 1)?;
                }
                CRL_BAG => self.contents.notes.push(format!("{what}: skipped a CRL")),
                SECRET_BAG => self
                    .contents
                    .notes
                    .push(format!("{what}: skipped a secret bag")),
                other => self
                    .contents
                    .notes
                    .push(format!("{what}: skipped a bag of type {other}")),
            }
        }
        Ok(())
    }

    fn cert_bag(&mut self, bag: &SafeBag<'_>, what: &str, offset: usize) -> Result<(), Error> {
        let (cert_id, cert) = asn1::read_cert_bag(bag.value).map_err(|e| malformed(what, &e))?;
        if cert_id != X509_CERTIFICATE {
            self.contents
                .notes
                .push(format!("{what}: skipped a certificate of type {cert_id}"));
            return Ok(());
        }
        if self.contents.certificates.len() >= self.limits.max_certificates {
            return Err(Error::TooManyCertificates {
                limit: self.limits.max_certificates,
            });
        }
        self.contents.certificates.push((cert.to_vec(), offset));
        self.local_key_ids
            .push(bag.local_key_id.map(<[u8]>::to_vec));
        Ok(())
    }

    /// A file without MAC whose certificates were not encrypted has not checked the password
    /// yet. A password that was given is checked on the first encrypted key, so that a wrong
    /// one is reported rather than silently ignored; without a password, the certificates are
    /// read and a note says the key was not checked.
    fn check_unproven_password(&mut self) -> Result<(), Error> {
        if self.proven || self.key_tried {
            return Ok(());
        }
        let keys = core::mem::take(&mut self.keys);
        let Some(key) = keys.iter().find(|k| k.shrouded) else {
            return Ok(());
        };
        self.decrypt_key_or_note(key).map(drop)
    }

    /// [`Self::decrypt_key`], except that without a password, a key that the empty password
    /// does not open gives a note instead of an error: the certificates are readable anyway.
    fn decrypt_key_or_note(&mut self, key: &KeyBag) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        match self.decrypt_key(key) {
            Ok(plain) => Ok(Some(plain)),
            Err(Error::Pkcs12PasswordRequired) => {
                self.contents.notes.push(String::from(
                    "the private key is encrypted and no password was given: it was not read",
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Decrypts an encrypted key bag, to read its public part or to check the password.
    fn decrypt_key(&mut self, key: &KeyBag) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.key_tried = true;
        let encrypted = AnyRef::from_der(&key.der).map_err(|e| malformed("private key bag", &e))?;
        let (algorithm, data) = asn1::read_encrypted_private_key(encrypted)
            .map_err(|e| malformed("private key bag", &e))?;
        self.decrypt_until_proven("the private key bag", |secret, budget| {
            let plain = decrypt(&algorithm, data, secret, budget)?;
            match AnyRef::from_der(&plain) {
                Ok(_) => Ok(plain),
                Err(_) => Err(Failure::WrongPassword),
            }
        })
    }

    /// Sets `key_certificate` for the first private key: by `localKeyId` when that names exactly
    /// one certificate, otherwise by comparing public keys (which needs the key decrypted).
    fn pair_key(&mut self) -> Result<(), Error> {
        let keys = core::mem::take(&mut self.keys);
        let result = self.pair_first_key(&keys);
        self.keys = keys;
        result
    }

    fn pair_first_key(&mut self, keys: &[KeyBag]) -> Result<(), Error> {
        let Some(key) = keys.first() else {
            return Ok(());
        };
        if keys.len() > 1 {
            self.contents.notes.push(format!(
                "the file holds {} private keys; key_certificate is for the first",
                keys.len()
            ));
        }
        if let Some(id) = &key.local_key_id {
            let mut matching = self
                .local_key_ids
                .iter()
                .enumerate()
                .filter(|(_, cert_id)| cert_id.as_ref() == Some(id))
                .map(|(i, _)| i);
            if let (Some(index), None) = (matching.next(), matching.next()) {
                self.contents.key_certificate = Some(index);
                return Ok(());
            }
        }
        let plain = if key.shrouded {
            let Some(plain) = self.decrypt_key_or_note(key)? else {
                return Ok(());
            };
            plain
        } else {
            key.der.clone()
        };
        let Some(public) = key_match::of_private_key(&plain) else {
            self.contents.notes.push(String::from(
                "the private key does not carry its public key, so its certificate is unknown",
            ));
            return Ok(());
        };
        drop(plain);
        self.contents.key_certificate = self
            .contents
            .certificates
            .iter()
            .position(|(cert, _)| key_match::of_certificate(cert).as_ref() == Some(&public));
        match self.contents.key_certificate {
            Some(i) => self.contents.notes.push(format!(
                "no localKeyId pairs the key with a certificate; certificate #{} has its public key",
                i + 1
            )),
            None => self
                .contents
                .notes
                .push(String::from("no certificate in the file has the private key's public key")),
        }
        Ok(())
    }
}
