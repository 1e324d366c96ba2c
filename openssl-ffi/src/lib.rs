//! # certbind-openssl-ffi
//!
//! The one place certbind calls OpenSSL's C API directly, for what the `openssl` crate does not
//! expose. Every other crate of the workspace forbids `unsafe` code; this one denies it and
//! allows it in exactly one reviewed spot (below), as the `der` crate does for its newtype casts.
//!
//! ## Skipping OpenSSL's chain verification on an mTLS server
//! certbind's mTLS listener asks for a client certificate and accepts any: whether it
//! authenticates a client is certbind's own decision, made per request with a reason. Until
//! now the server set a verify callback that said "yes" to everything, but OpenSSL still ran
//! `X509_verify_cert` first on every full handshake: building a chain from the certificates the
//! client sent, looking issuers up, caching every certificate's extensions, checking times and
//! the signatures it could, only for the callback to override the verdict.
//! [`skip_chain_verification`] replaces that step with a callback that accepts the presented
//! certificates as they are (`SSL_CTX_set_cert_verify_callback`).
//!
//! What OpenSSL still does, because it is part of the TLS handshake and not of chain
//! verification: it parses the certificates, refuses a leaf whose public key it cannot use, and
//! checks the client's CertificateVerify signature with the leaf's key (the proof that the
//! client holds the private key of the certificate it presented). A client that sends someone
//! else's certificate without its key fails the handshake: `tests/handshake.rs` proves it for
//! TLS 1.2 and 1.3 with RSA and EC keys.
#![deny(unsafe_code)]

use core::ffi::{c_int, c_void};

use openssl::ssl::SslContextBuilder;
use openssl_sys::{SSL_CTX, X509_STORE_CTX};

/// `int (*cb)(X509_STORE_CTX *, void *)` of `SSL_CTX_set_cert_verify_callback`.
type CertVerifyCallback = unsafe extern "C" fn(*mut X509_STORE_CTX, *mut c_void) -> c_int;

// openssl-sys does not declare it. It has had this signature in libssl since OpenSSL 0.9.7,
// so in every version openssl-sys supports; openssl-sys links libssl.
#[allow(unsafe_code)]
unsafe extern "C" {
    fn SSL_CTX_set_cert_verify_callback(
        ctx: *mut SSL_CTX,
        cb: Option<CertVerifyCallback>,
        arg: *mut c_void,
    );
}

/// The certificate verification OpenSSL runs instead of `X509_verify_cert`: accept the
/// certificates as presented. Touches neither argument and cannot panic.
extern "C" fn accept_as_presented(_store: *mut X509_STORE_CTX, _arg: *mut c_void) -> c_int {
    1
}

/// Makes OpenSSL accept the certificate a peer presents without building or verifying a chain
/// for it (`SSL_CTX_set_cert_verify_callback`); the application decides about it after the
/// handshake. The peer still has to prove it holds the certificate's private key
/// (CertificateVerify), and the verify mode (`SslVerifyMode::PEER` to ask a client for a
/// certificate) still applies; a verify callback set with `set_verify_callback` is no longer
/// called, since it is `X509_verify_cert`'s callback.
///
/// Only for a server that decides every certificate itself: on a client, or on a server that
/// relies on OpenSSL's verdict, this turns authentication off.
pub fn skip_chain_verification(builder: &mut SslContextBuilder) {
    // SAFETY: `builder.as_ptr()` is the valid `SSL_CTX` the builder owns for as long as this
    // call lasts. The callback is a plain `extern "C"` function with the C signature OpenSSL
    // expects, it lives for the whole program, and it never dereferences its arguments, so the
    // null `arg` OpenSSL passes back to it is never read.
    #[allow(unsafe_code)]
    unsafe {
        SSL_CTX_set_cert_verify_callback(
            builder.as_ptr(),
            Some(accept_as_presented),
            core::ptr::null_mut(),
        );
    }
}
