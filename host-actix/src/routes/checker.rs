//! `GET /tools/thumbprint`: the offline thumbprint checker page (www/), the single
//! self-contained file `www/dist/certbind-checker.html`.
//!
//! The page compiled into the binary ([`embedded`]) is served unless `server.checker_page` (or
//! `certbind serve --checker-page`) names a file, which is read per request: it is about 1.3 MB,
//! asked for rarely, and the server's idle memory stays small.

use std::path::Path;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::state::AppState;

mod embedded;

/// A configured page's Content-Security-Policy, written by www/build.mjs next to the page (the
/// same policy as the page's `<meta>` tag, which allows exactly its inline blocks by hash).
const CSP_FILE: &str = "csp.txt";
/// Larger files are not served: the page is about 1.3 MB.
const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

/// A 200 for the page with its headers: HTML, revalidated before reuse, not framed, no
/// referrer, and the page's own policy as a header too.
fn page_response(csp: Option<&str>) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if let Some(csp) = csp {
        response.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    response
}

pub(super) async fn checker(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(page) = state.checker_page.clone() else {
        return embedded::respond(&req);
    };
    let read = web::block(move || read_page(&page)).await;
    match read {
        Ok(Ok((html, csp))) => page_response(csp.as_deref()).body(html),
        Ok(Err(reason)) => {
            tracing::warn!(%reason, "checker page unavailable");
            unavailable("the configured checker page could not be read (the server log says why)")
        }
        Err(_) => unavailable("the configured checker page could not be read"),
    }
}

/// The page and its policy; an unusable policy file is ignored (the page's `<meta>` policy
/// still applies).
fn read_page(page: &Path) -> Result<(Vec<u8>, Option<String>), String> {
    let size = std::fs::metadata(page)
        .map_err(|e| format!("{}: {e}", page.display()))?
        .len();
    if size > MAX_PAGE_BYTES {
        return Err(format!(
            "{}: {size} bytes, over the {MAX_PAGE_BYTES}-byte limit",
            page.display()
        ));
    }
    let html = std::fs::read(page).map_err(|e| format!("{}: {e}", page.display()))?;
    let csp = page
        .parent()
        .map(|dir| dir.join(CSP_FILE))
        .and_then(|file| std::fs::read_to_string(file).ok())
        .map(|text| text.trim().to_owned())
        .filter(|csp| {
            !csp.is_empty() && csp.len() < 8192 && csp.bytes().all(|b| (0x20..0x7f).contains(&b))
        });
    Ok((html, csp))
}

fn unavailable(what: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "{what}. Fix server.checker_page (or --checker-page), or remove it to serve the \
             page built into certbind.\n"
        ))
}
