//! The password forms tried on a PKCS#12 file, and the key-derivation budget.
//!
//! The PKCS#12 KDF (RFC 7292 Appendix B, used by the MAC and the legacy PBEs) takes the password
//! as a NUL-terminated big-endian BMPString; PBES2 (PBKDF2) takes the password's UTF-8 bytes. An
//! empty password has two conventions, and files exist with both: the two NUL bytes of an empty
//! BMPString, or no bytes at all (OpenSSL's "absent" password). OpenSSL tries both; so does
//! certbind. OpenSSL 1.x turned each byte of a non-ASCII password into one BMP character; such
//! files are read by trying that form too.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::Error;

/// Which form of the password a [`Secret`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// The password given, as UTF-16 (surrogate pairs for characters beyond the BMP).
    Given,
    /// The password given, one BMP character per UTF-8 byte (OpenSSL 1.x).
    GivenBytewise,
    /// The empty password as an empty BMPString (two NUL bytes).
    EmptyBmp,
    /// No password at all (zero bytes).
    Absent,
}

impl Form {
    /// Whether this is one of the empty-password forms.
    pub(super) const fn is_empty(self) -> bool {
        matches!(self, Self::EmptyBmp | Self::Absent)
    }
}

/// One form of the password, in the two encodings the algorithms take. Wiped when dropped.
pub(super) struct Secret {
    pub(super) form: Form,
    /// For the PKCS#12 KDF: BMPString bytes with the NUL terminator (empty for [`Form::Absent`]).
    pub(super) bmp: Zeroizing<Vec<u8>>,
    /// For PBKDF2: the UTF-8 bytes.
    pub(super) utf8: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Secret")
            .field("form", &self.form)
            .finish_non_exhaustive()
    }
}

impl Secret {
    fn new(form: Form, password: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        match form {
            Form::Given => {
                for unit in password.encode_utf16() {
                    bmp.extend_from_slice(&unit.to_be_bytes());
                }
                bmp.extend_from_slice(&[0, 0]);
            }
            Form::GivenBytewise => {
                for &b in password.as_bytes() {
                    bmp.extend_from_slice(&[0, b]);
                }
                bmp.extend_from_slice(&[0, 0]);
            }
            Form::EmptyBmp => bmp.extend_from_slice(&[0, 0]),
            Form::Absent => {}
        }
        let utf8 = Zeroizing::new(if form.is_empty() {
            Vec::new()
        } else {
            password.as_bytes().to_vec()
        });
        Self { form, bmp, utf8 }
    }
}

/// The password forms to try, most likely first. A password that was given is tried first; the
/// empty forms follow, because a file exported without a password opens with any password in
/// OpenSSL-based tools too, and people pass one out of habit.
pub(super) fn candidates(password: Option<&str>) -> Vec<Secret> {
    let mut out = Vec::with_capacity(4);
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        out.push(Secret::new(Form::Given, p));
        if !p.is_ascii() {
            out.push(Secret::new(Form::GivenBytewise, p));
        }
    }
    out.push(Secret::new(Form::EmptyBmp, ""));
    out.push(Secret::new(Form::Absent, ""));
    out
}

/// Bounds the key-derivation work one file can cause: each derivation at most
/// `per_derivation` iterations, all of them together at most `total`.
#[derive(Debug)]
pub(super) struct Budget {
    per_derivation: u64,
    total: u64,
    spent: u64,
}

/// How many derivations' worth of iterations one file may use in total.
pub(super) const TOTAL_DERIVATIONS: u64 = 8;

impl Budget {
    pub(super) fn new(per_derivation: u64) -> Self {
        Self {
            per_derivation,
            total: per_derivation.saturating_mul(TOTAL_DERIVATIONS),
            spent: 0,
        }
    }

    /// Checks `iterations` against the limits, before any work, and records `derivations`
    /// derivations of that many iterations. Returns the count as the KDFs take it.
    pub(super) fn spend(&mut self, iterations: u64, derivations: u64) -> Result<i32, Error> {
        if iterations > self.per_derivation {
            return Err(Error::Pkcs12TooManyIterations {
                iterations,
                limit: self.per_derivation,
            });
        }
        let cost = iterations.saturating_mul(derivations);
        let spent = self.spent.saturating_add(cost);
        if spent > self.total {
            return Err(Error::Pkcs12TooManyIterations {
                iterations: spent,
                limit: self.total,
            });
        }
        self.spent = spent;
        i32::try_from(iterations).map_err(|_| Error::Pkcs12TooManyIterations {
            iterations,
            limit: i32::MAX.unsigned_abs().into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_forms() {
        let c = candidates(Some("a€"));
        let forms: Vec<Form> = c.iter().map(|s| s.form).collect();
        assert_eq!(
            forms,
            [
                Form::Given,
                Form::GivenBytewise,
                Form::EmptyBmp,
                Form::Absent
            ]
        );
        assert_eq!(c[0].bmp.as_slice(), [0, b'a', 0x20, 0xAC, 0, 0]);
        assert_eq!(
            c[1].bmp.as_slice(),
            [0, b'a', 0, 0xE2, 0, 0x82, 0, 0xAC, 0, 0]
        );
        assert_eq!(c[0].utf8.as_slice(), "a€".as_bytes());
        assert_eq!(c[2].bmp.as_slice(), [0, 0]);
        assert!(c[3].bmp.is_empty() && c[3].utf8.is_empty());
        // Beyond the BMP: a surrogate pair.
        assert_eq!(
            candidates(Some("😀"))[0].bmp.as_slice(),
            [0xD8, 0x3D, 0xDE, 0x00, 0, 0]
        );
        assert_eq!(candidates(None).len(), 2);
        assert_eq!(candidates(Some("")).len(), 2);
    }

    #[test]
    fn budget_checks_each_derivation_and_the_total() {
        let mut b = Budget::new(1000);
        assert_eq!(
            b.spend(1001, 1),
            Err(Error::Pkcs12TooManyIterations {
                iterations: 1001,
                limit: 1000
            })
        );
        for _ in 0..TOTAL_DERIVATIONS {
            assert_eq!(b.spend(1000, 1), Ok(1000));
        }
        assert!(matches!(
            b.spend(1, 1),
            Err(Error::Pkcs12TooManyIterations { limit: 8000, .. })
        ));
    }
}
