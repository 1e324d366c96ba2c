//! `GET /tools/thumbprint`: the offline thumbprint checker page (www/), the single
//! self-contained file `www/dist/certbind-checker.html`.
//!
//! The page compiled into the binary ([`embedded`]) is served unless `server.checker_page` (or
//! `certbind serve --checker-page`) names a file. A configured file is read once, at start, into
//! memory shared by every worker, and served from there: a request costs one `stat` of the page
//! and of its policy file, not a read of about 1.3 MB. It is read again only when one of them
//! changes (size, modification time or inode, as a rebuild or a deployment changes them); when
//! the file is gone, the route says so.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use actix_web::http::header;
use actix_web::web::Bytes;
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

/// The page and its policy as last read, with the identity of the files they were read from.
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    page: Mutex<Option<Arc<Page>>>,
}

#[derive(Debug)]
struct Page {
    stamp: Stamp,
    html: Bytes,
    csp: Option<String>,
}

/// What tells that a file changed without reading it: size, modification time and, on Unix,
/// device and inode (a file replaced by a rename is another inode).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: (u64, u64),
}

impl FileStamp {
    fn of(metadata: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt as _;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let inode = (0, 0);
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            inode,
        }
    }
}

/// The page's stamp and its policy file's (`None` when there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    page: FileStamp,
    csp: Option<FileStamp>,
}

impl Stamp {
    fn of(page: &Path) -> Result<Self, String> {
        let metadata = std::fs::metadata(page).map_err(|e| format!("{}: {e}", page.display()))?;
        let csp = csp_path(page)
            .and_then(|file| std::fs::metadata(file).ok())
            .map(|m| FileStamp::of(&m));
        Ok(Self {
            page: FileStamp::of(&metadata),
            csp,
        })
    }
}

impl PageCache {
    /// Reads the page at `path` into memory now (at start), logging why it cannot be.
    pub(crate) fn load(&self, path: &Path) {
        if let Err(reason) = self.refresh(path) {
            tracing::warn!(%reason, "checker page unavailable");
        }
    }

    /// The page as in memory, if the files have not changed since it was read.
    fn current(&self, stamp: &Stamp) -> Option<Arc<Page>> {
        let page = self.page.lock().ok()?;
        page.as_ref().filter(|p| p.stamp == *stamp).cloned()
    }

    /// Reads the page again and keeps it.
    fn refresh(&self, path: &Path) -> Result<Arc<Page>, String> {
        let page = Arc::new(read_page(path)?);
        if let Ok(mut cached) = self.page.lock() {
            *cached = Some(Arc::clone(&page));
        }
        Ok(page)
    }
}

pub(super) async fn checker(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(path) = state.checker_page.clone() else {
        return embedded::respond(&req);
    };
    let page = match Stamp::of(&path) {
        Err(reason) => Err(reason),
        Ok(stamp) => match state.checker_cache.current(&stamp) {
            Some(page) => Ok(page),
            None => {
                let reader = state.clone();
                match web::block(move || reader.checker_cache.refresh(&path)).await {
                    Ok(read) => read,
                    Err(_) => Err(String::from("the page could not be read")),
                }
            }
        },
    };
    match page {
        // A reference to the shared bytes: no copy per request.
        Ok(page) => page_response(page.csp.as_deref()).body(page.html.clone()),
        Err(reason) => {
            tracing::warn!(%reason, "checker page unavailable");
            unavailable("the configured checker page could not be read (the server log says why)")
        }
    }
}

/// The policy file next to the page.
fn csp_path(page: &Path) -> Option<PathBuf> {
    page.parent().map(|dir| dir.join(CSP_FILE))
}

/// Reads the page and its policy; an unusable policy file is ignored (the page's `<meta>`
/// policy still applies). The stamp is taken before reading, so that a file changed while it
/// is read is read again by the next request.
fn read_page(page: &Path) -> Result<Page, String> {
    let stamp = Stamp::of(page)?;
    let size = stamp.page.len;
    if size > MAX_PAGE_BYTES {
        return Err(format!(
            "{}: {size} bytes, over the {MAX_PAGE_BYTES}-byte limit",
            page.display()
        ));
    }
    let html = std::fs::read(page).map_err(|e| format!("{}: {e}", page.display()))?;
    let csp = csp_path(page)
        .and_then(|file| std::fs::read_to_string(file).ok())
        .map(|text| text.trim().to_owned())
        .filter(|csp| {
            !csp.is_empty() && csp.len() < 8192 && csp.bytes().all(|b| (0x20..0x7f).contains(&b))
        });
    Ok(Page {
        stamp,
        html: Bytes::from(html),
        csp,
    })
}

fn unavailable(what: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "{what}. Fix server.checker_page (or --checker-page), or remove it to serve the \
             page built into certbind.\n"
        ))
}
