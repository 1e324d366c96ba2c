//! Skipping OpenSSL's chain verification on an mTLS server: what the `openssl` crate does not
//! expose.
//!
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
//!
//! [`skip_chain_verification_up_to`] does the same but refuses the handshake ("certificate
//! chain too long") when the peer sends more than a given number of certificates after its
//! own: a bound on what a client may send, counted on the certificates as received (not on a
//! chain OpenSSL built, which would leave out certificates that do not chain). certbind's
//! mTLS listener uses it with `[server.tls] max_intermediates` (`host-actix/src/tls.rs`).
//!
//! `unsafe` here: the two `extern` declarations openssl-sys lacks, the call that installs a
//! callback, and in the bounded callback two reads of the `X509_STORE_CTX` OpenSSL passes and
//! one error set on it. Each block says why it is sound.
use core::ffi::{c_int, c_void};

use openssl::ssl::SslContextBuilder;
use openssl_sys::{
    OPENSSL_STACK, OPENSSL_sk_num, SSL_CTX, X509_STORE_CTX, X509_STORE_CTX_set_error, stack_st_X509,
};

/// `int (*cb)(X509_STORE_CTX *, void *)` of `SSL_CTX_set_cert_verify_callback`.
type CertVerifyCallback = unsafe extern "C" fn(*mut X509_STORE_CTX, *mut c_void) -> c_int;

// openssl-sys does not declare these. `SSL_CTX_set_cert_verify_callback` has had this signature
// in libssl since OpenSSL 0.9.7, `X509_STORE_CTX_get0_untrusted` in libcrypto since 1.1.0, so
// both are in every version openssl-sys supports; openssl-sys links both libraries.
#[allow(unsafe_code)]
unsafe extern "C" {
    fn SSL_CTX_set_cert_verify_callback(
        ctx: *mut SSL_CTX,
        cb: Option<CertVerifyCallback>,
        arg: *mut c_void,
    );
    fn X509_STORE_CTX_get0_untrusted(ctx: *const X509_STORE_CTX) -> *mut stack_st_X509;
}

/// OpenSSL's `X509_V_ERR_CERT_CHAIN_TOO_LONG` (x509_vfy.h): the verify result, and the alert
/// the client gets, for a chain over the bound.
const X509_V_ERR_CERT_CHAIN_TOO_LONG: c_int = 22;

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

/// Like [`skip_chain_verification`], but a peer that sends more than `max_intermediates`
/// certificates after its own fails the handshake (verify result and alert "certificate chain
/// too long"), so that a server can refuse over-long chains in the handshake without OpenSSL
/// building one. The bound travels as the callback's `arg`, a number, never a pointer.
pub fn skip_chain_verification_up_to(builder: &mut SslContextBuilder, max_intermediates: usize) {
    // The peer's certificates, leaf included; saturates far above any Certificate message.
    let max_certificates = max_intermediates.saturating_add(1);
    // SAFETY: as in `skip_chain_verification`; `arg` is an integer cast to a pointer type and
    // is only ever cast back, never dereferenced.
    #[allow(unsafe_code)]
    unsafe {
        SSL_CTX_set_cert_verify_callback(
            builder.as_ptr(),
            Some(accept_up_to),
            core::ptr::without_provenance_mut(max_certificates),
        );
    }
}

/// The bounded verification: accept the certificates as presented when there are at most
/// `arg` of them (leaf included), else fail with "certificate chain too long". Cannot panic.
extern "C" fn accept_up_to(store: *mut X509_STORE_CTX, arg: *mut c_void) -> c_int {
    let max_certificates = arg.addr();
    // SAFETY: OpenSSL calls this from `ssl_verify_cert_chain` with the `X509_STORE_CTX` it has
    // just initialised with the peer's certificates (its "untrusted" stack: leaf first, as
    // received) and frees it only after this returns. Both functions only read or set fields
    // of that context; a null stack (no certificates) counts as none.
    #[allow(unsafe_code)]
    let sent = unsafe {
        let untrusted = X509_STORE_CTX_get0_untrusted(store);
        if untrusted.is_null() {
            0
        } else {
            OPENSSL_sk_num(untrusted.cast::<OPENSSL_STACK>().cast_const())
        }
    };
    if usize::try_from(sent).is_ok_and(|sent| sent <= max_certificates) {
        return 1;
    }
    // SAFETY: the same valid context; sets the error OpenSSL turns into the verify result.
    #[allow(unsafe_code)]
    unsafe {
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_CHAIN_TOO_LONG);
    }
    0
}
