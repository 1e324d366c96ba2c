//! Fuzz target: the `Authorization` header of the token, introspection and revocation endpoints
//! (`certbind_host::extract::BasicCredentials::from_request`: the scheme, base64, the
//! form-encoded `client_id:secret`). Input framing: the bytes split at `\n` are the header's
//! instances (so a repeated header is reached); invalid header values are dropped. Checked
//! beyond "no panic": accepted credentials have a non-empty client id, and every error is one
//! of the two OAuth errors the endpoints answer.
#![no_main]

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::test::TestRequest;
use certbind_host::extract::BasicCredentials;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut request = TestRequest::default();
    for piece in data.split(|b| *b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(piece) {
            request = request.append_header((AUTHORIZATION, value));
        }
    }
    match BasicCredentials::from_request(&request.to_http_request()) {
        Ok(Some(credentials)) => assert!(!credentials.client_id.is_empty()),
        Ok(None) => {}
        Err(e) => assert!(matches!(e.code(), "invalid_client" | "invalid_request"), "{e:?}"),
    }
});
