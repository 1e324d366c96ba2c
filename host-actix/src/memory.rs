//! Giving back the memory a burst of connections left behind (`[server]
//! memory_release_interval`).
//!
//! Every connection costs memory while it is open (OpenSSL's `SSL` object and buffers, actix's
//! read and write buffers, about 60 KiB), and the C allocator keeps it when the connection
//! closes: after a flood of 2,700 connections the server stayed at ~170 MiB instead of its
//! 16 MiB (bench/RESULTS.md, issue 17). Every `memory_release_interval` the server looks at
//! how much free memory the allocator holds and, from [`RELEASE_THRESHOLD`] up, gives its
//! free pages back to the system ([`certbind_ffi::release_free_heap`], glibc's
//! `malloc_trim`). The check takes the allocator's locks for a moment; the release costs a
//! few milliseconds after a flood and nothing when there is nothing to give back, and memory
//! given back is faulted in again only if a new burst needs it.
//!
//! `/metrics` shows `process_resident_memory_bytes` and what was given back,
//! `certbind_memory_released_bytes_total`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Default of `memory_release_interval`.
pub const DEFAULT_RELEASE_INTERVAL: Duration = Duration::from_secs(10);

/// Largest `memory_release_interval`, in seconds.
pub const MAX_RELEASE_INTERVAL_SECS: u64 = 3600;

/// Free bytes the allocator may hold before the server gives them back: less is not worth a
/// pass over the arenas (an idle server holds about 1 MiB free).
pub const RELEASE_THRESHOLD: usize = 4 * 1024 * 1024;

/// What the server gave back, for `/metrics`.
#[derive(Debug, Default)]
pub struct MemoryMetrics {
    released_bytes: AtomicU64,
}

impl MemoryMetrics {
    /// Resident memory given back to the system since the start, in bytes.
    #[must_use]
    pub fn released_bytes(&self) -> u64 {
        self.released_bytes.load(Ordering::Relaxed)
    }
}

/// The process's resident set size in bytes (`VmRSS`); `None` where `/proc` has no such line.
#[must_use]
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib.saturating_mul(1024))
}

/// Gives the allocator's free pages back when it holds at least [`RELEASE_THRESHOLD`] free;
/// returns the fall in resident memory, in bytes (0 when nothing was done or given back).
pub fn release_if_worthwhile(metrics: &MemoryMetrics) -> u64 {
    let Some(heap) = certbind_ffi::heap_stats() else {
        return 0;
    };
    if heap.free < RELEASE_THRESHOLD {
        return 0;
    }
    let before = resident_bytes().unwrap_or(0);
    let started = Instant::now();
    certbind_ffi::release_free_heap();
    let took = started.elapsed();
    let after = resident_bytes().unwrap_or(before);
    let released = before.saturating_sub(after);
    metrics
        .released_bytes
        .fetch_add(released, Ordering::Relaxed);
    tracing::debug!(
        target: "certbind::memory",
        free_bytes = heap.free,
        in_use_bytes = heap.in_use,
        resident_before = before,
        resident_after = after,
        took_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        "gave free memory back to the system"
    );
    released
}

/// Checks every `interval` on the current actix runtime, for as long as it runs; a zero
/// interval turns the release off.
pub fn spawn_releaser(interval: Duration, state: actix_web::web::Data<crate::state::AppState>) {
    if interval.is_zero() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            release_if_worthwhile(&state.metrics.memory);
        }
    });
}
