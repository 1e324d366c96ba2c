//! Hard limits on untrusted input, so that no input makes the core allocate or loop without bound.

/// Bounds applied while decoding untrusted input.
///
/// The defaults fit every real certificate file we know of (the largest common input, a system CA
/// bundle, is about 220 KB and 150 certificates) with a wide margin, and keep the worst case
/// small:
///
/// - at most [`Limits::max_input_bytes`] bytes are read: a larger input is refused
///   ([`crate::Error::InputTooLarge`]) before anything else is done;
/// - at most [`Limits::max_certificates`] certificates are kept: the count is checked before
///   each certificate is parsed ([`crate::Error::TooManyCertificates`]);
/// - a PKCS#12 file cannot ask for more than [`Limits::max_pkcs12_iterations`] key-derivation
///   rounds per derivation, nor more than 8 times that in total over the whole file (MAC, every
///   encrypted part, every password form tried); the count is checked before the derivation
///   starts ([`crate::Error::Pkcs12TooManyIterations`]). scrypt is accepted only up to 32 MiB of
///   memory.
///
/// Fixed bounds that need no setting: all parsing is linear in the input size; nested BER
/// lengths at most 64 deep (the `der` crate's limit), nested PKCS#12 `safeContentsBag`s at
/// most 4 deep; at most 64 notes are kept (the rest are counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input, in bytes. Default 4 MiB.
    pub max_input_bytes: usize,
    /// Most certificates returned from one input. Default 1000.
    pub max_certificates: usize,
    /// Most PBKDF2 / PKCS#12-KDF iterations per derivation. Default 1,000,000
    /// (OpenSSL 3 uses 2048, Windows 2000; OWASP's 2023 advice for PBKDF2-SHA256 is 600,000).
    /// At most 2^31 - 1 whatever the setting, the largest count the PKCS#12 KDF takes.
    pub max_pkcs12_iterations: u64,
}

impl Limits {
    /// The default limits, as a constant.
    pub const DEFAULT: Self = Self {
        max_input_bytes: 4 * 1024 * 1024,
        max_certificates: 1000,
        max_pkcs12_iterations: 1_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
