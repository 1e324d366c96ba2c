//! The checker page compiled into the binary, so that `certbind serve` on a fresh clone serves
//! it with no npm, no wasm-bindgen and no file beside the executable.
//!
//! The bytes are `host-actix/assets/checker-page/`: the page www/build.mjs makes, gzipped, and
//! its Content-Security-Policy. They are committed build output (made by `npm run embed` in
//! www/), because building the page needs npm and wasm-bindgen, which the README's first command
//! must not; CI rebuilds the page from `wasm/` and `www/` and fails when the committed copy
//! differs (`npm run embed -- --check`, run by www/ci.sh).
//!
//! Browsers accept gzip, so the compressed bytes are sent as they are (`Content-Encoding:
//! gzip`); a client that does not accept it gets the page decompressed once, on its first
//! request, and kept.

use std::io::Read as _;
use std::sync::OnceLock;

use actix_web::http::header::{self, AcceptEncoding, Encoding, Header as _};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

/// `www/dist/certbind-checker.html`, gzipped.
static PAGE_GZIP: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/checker-page/certbind-checker.html.gz"
));

/// `www/dist/csp.txt`: the policy of the page's `<meta>` tag, sent as a header too.
static CSP: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/checker-page/csp.txt"
));

/// Upper bound on the decompressed page (it is about 1.3 MB).
const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

/// The page, for clients that accept gzip and for those that do not.
pub(super) fn respond(req: &HttpRequest) -> HttpResponse {
    let mut response = super::page_response(Some(CSP.trim()));
    response.insert_header((header::VARY, "accept-encoding"));
    if accepts_gzip(req) {
        return response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(Bytes::from_static(PAGE_GZIP));
    }
    match plain() {
        Ok(page) => response.body(page.clone()),
        Err(reason) => {
            tracing::error!(%reason, "the compiled-in checker page cannot be decompressed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("the checker page built into certbind is damaged (the server log says why)\n")
        }
    }
}

/// Whether the request's `Accept-Encoding` takes gzip over no encoding (RFC 9110 §12.5.3; no
/// header or an unreadable one: no).
fn accepts_gzip(req: &HttpRequest) -> bool {
    AcceptEncoding::parse(req).ok().is_some_and(|accept| {
        accept.negotiate([Encoding::gzip(), Encoding::identity()].iter()) == Some(Encoding::gzip())
    })
}

/// The decompressed page, made on first use.
fn plain() -> Result<&'static Bytes, &'static str> {
    static PLAIN: OnceLock<Result<Bytes, String>> = OnceLock::new();
    PLAIN
        .get_or_init(|| gunzip(PAGE_GZIP).map(Bytes::from))
        .as_ref()
        .map_err(String::as_str)
}

fn gunzip(gzip: &[u8]) -> Result<Vec<u8>, String> {
    let mut page = Vec::new();
    flate2::read::GzDecoder::new(gzip)
        .take(MAX_PAGE_BYTES)
        .read_to_end(&mut page)
        .map_err(|e| format!("gunzip: {e}"))?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_compiled_in_page_is_the_single_file_page_with_its_policy() {
        let page = gunzip(PAGE_GZIP).unwrap();
        let text = std::str::from_utf8(&page).unwrap();
        assert!(text.starts_with("<!doctype html>"), "{}", &text[..40]);
        assert!(text.contains("Certificate thumbprint checker"));
        // The same policy as the page's <meta> tag, and one a header can carry.
        let csp = CSP.trim();
        assert!(text.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
        )));
        assert!(csp.contains("connect-src 'none'"));
        assert!(csp.bytes().all(|b| (0x20..0x7f).contains(&b)));
        assert!(u64::try_from(page.len()).unwrap() < MAX_PAGE_BYTES);
    }

    #[test]
    fn gzip_is_sent_only_to_clients_that_take_it() {
        let with = |value: &str| {
            let req = TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request();
            accepts_gzip(&req)
        };
        assert!(with("gzip, deflate, br, zstd"), "Chromium");
        assert!(with("br;q=1.0, gzip;q=0.8, *;q=0.1"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0.5, identity"), "identity preferred");
        assert!(
            !accepts_gzip(&TestRequest::default().to_http_request()),
            "no header"
        );
    }
}
