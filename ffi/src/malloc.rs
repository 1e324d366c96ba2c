//! Giving freed heap memory back to the system: glibc's `malloc_trim`.
//!
//! glibc keeps the memory a program frees in its arenas for the next allocations, and returns
//! it to the system by itself only from the top of the main heap (`M_TRIM_THRESHOLD`). A
//! server's worker threads allocate in arenas of their own, where the chunks freed by closed
//! connections lie between live ones, so after a burst of connections (each with OpenSSL's
//! `SSL` object and buffers and actix's read and write buffers) the process stays at its peak
//! size long after the connections are gone: 16 MiB at idle, about 170 MiB after 2,700 attacker
//! connections left (bench/RESULTS.md, issue 17). `malloc_trim(0)` walks every arena and
//! releases the whole pages inside free chunks (`madvise(MADV_DONTNEED)`); the chunks stay
//! free for malloc and are faulted in again when reused. glibc's tunables cannot do this, and
//! a Rust global allocator would not cover OpenSSL, which allocates with `malloc`.
//!
//! Elsewhere (musl, other systems) [`heap_stats`] is `None` and [`release_free_heap`] does
//! nothing.

/// What the C library's allocator holds, in bytes (glibc's `mallinfo2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeapStats {
    /// In allocated chunks, the program's (`uordblks` plus `hblkhd`, the large allocations
    /// served by `mmap`).
    pub in_use: usize,
    /// In free chunks of the arenas (`fordblks`): reusable by malloc, resident unless released.
    pub free: usize,
}

/// The allocator's counts, summed over every arena; `None` without glibc.
///
/// It takes each arena's lock in turn, like `malloc_trim`: cheap, but not for every request.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[must_use]
pub fn heap_stats() -> Option<HeapStats> {
    // SAFETY: `mallinfo2` (glibc 2.33 and later) takes no arguments, reads the allocator's
    // state under its locks and returns a plain struct by value.
    #[allow(unsafe_code)]
    let info = unsafe { libc::mallinfo2() };
    Some(HeapStats {
        in_use: info.uordblks.saturating_add(info.hblkhd),
        free: info.fordblks,
    })
}

/// The allocator's counts, summed over every arena; `None` without glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[must_use]
pub fn heap_stats() -> Option<HeapStats> {
    None
}

/// Releases the free pages of every arena to the system; whether any memory was released
/// (always `false` without glibc).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_heap() -> bool {
    // SAFETY: `malloc_trim` takes a size (0: keep no padding at the top of the heap), works on
    // the allocator's own state under its locks and is safe to call from any thread at any
    // time.
    #[allow(unsafe_code)]
    let released = unsafe { libc::malloc_trim(0) };
    released != 0
}

/// Releases the free pages of every arena to the system; always `false` without glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_heap() -> bool {
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// What the server relies on: memory freed in a thread's arena is counted as free and
    /// given back by `release_free_heap`, so the process's resident size falls.
    #[test]
    fn freed_memory_in_a_thread_arena_is_released() {
        let resident = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
                })
                .expect("VmRSS in /proc/self/status")
                * 1024
        };
        // Many small blocks (below the mmap threshold, so they live in the arena), one in 64
        // kept so that the arena cannot shrink from its top.
        let (before_free, after_free) = std::thread::spawn(move || {
            let blocks: Vec<Vec<u8>> = (0..8192_u32)
                .map(|i| vec![i.to_le_bytes()[0]; 16 * 1024])
                .collect();
            let (keep, drop_now): (Vec<_>, Vec<_>) = blocks
                .into_iter()
                .enumerate()
                .partition(|(i, _)| i % 64 == 0);
            let before = heap_stats().expect("glibc").free;
            drop(drop_now);
            let after = heap_stats().expect("glibc").free;
            core::hint::black_box(&keep);
            let rss_before = resident();
            assert!(release_free_heap(), "malloc_trim released nothing");
            let rss_after = resident();
            assert!(
                rss_after + 64 * 1024 * 1024 < rss_before,
                "RSS {rss_before} -> {rss_after}: less than 64 MiB released of ~126 MiB freed"
            );
            (before, after)
        })
        .join()
        .expect("thread");
        assert!(
            after_free >= before_free + 100 * 1024 * 1024,
            "free bytes {before_free} -> {after_free}"
        );
    }
}
