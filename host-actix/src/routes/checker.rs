//! `GET /tools/thumbprint`: the offline thumbprint checker page (www/), as the single
//! self-contained file `www/dist/certbind-checker.html` that `npm run build` in www/ makes.
//!
//! The file is generated (it embeds the wasm package), so it is found at start rather than
//! compiled in, and read per request rather than held in memory: it is about a megabyte, asked for
//! rarely, and the server's idle memory stays small.

use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// The page's file name, as www/build.mjs writes it.
const PAGE: &str = "certbind-checker.html";
/// The page's Content-Security-Policy, written by www/build.mjs next to the page (the same policy
/// as the page's `<meta>` tag, which allows exactly its inline blocks by hash).
const CSP_FILE: &str = "csp.txt";
/// Larger files are not served: the page is about 1.5 MB.
const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

/// Where the page is looked for when the config names none, in order: `CERTBIND_CHECKER_PAGE`,
/// `www/dist/` under the working directory (a checkout), next to the executable (an install), and
/// `www/dist/` of the checkout the executable was built in (`target/<profile>/certbind`).
#[must_use]
pub(crate) fn checker_page_candidates() -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("CERTBIND_CHECKER_PAGE") {
        candidates.push(PathBuf::from(path));
    }
    candidates.push(Path::new("www/dist").join(PAGE));
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join(PAGE));
        candidates.push(dir.join("../../www/dist").join(PAGE));
    }
    candidates
}

/// The configured page if given (even if missing: the route then explains), else the first
/// candidate that exists.
#[must_use]
pub(crate) fn find_checker_page(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_path_buf());
    }
    checker_page_candidates().into_iter().find(|p| p.is_file())
}

pub(super) async fn checker(state: web::Data<AppState>) -> HttpResponse {
    let Some(page) = state.checker_page.clone() else {
        return not_built("the checker page is not built");
    };
    let read = web::block(move || read_page(&page)).await;
    match read {
        Ok(Ok((html, csp))) => {
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
            response.body(html)
        }
        Ok(Err(reason)) => {
            tracing::warn!(%reason, "checker page unavailable");
            not_built("the checker page could not be read (the server log says why)")
        }
        Err(_) => not_built("the checker page could not be read"),
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

fn not_built(what: &str) -> HttpResponse {
    HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body(format!(
        "{what}. Build it with `(cd wasm && npm ci && npm run build) && (cd www && npm ci && npm \
         run build)`, or set server.checker_page in the config.\n"
    ))
}
