//! The allocator, and how the language server sets it up.

/// jemalloc rather than glibc's malloc: it returns freed memory to the
/// system (a closed 5 MB document's 200 MB stayed with glibc, whose
/// `malloc_trim` needs `unsafe`), and it fragments less under the server's
/// many small, short-lived allocations. It also serves C's `malloc`
/// (the crate's `unprefixed_malloc_on_supported_platforms`), so that
/// tree-sitter's trees come from the same allocator: with glibc's heaps
/// beside jemalloc's, a first 0.1 MB document raised the peak by 43 times
/// its size, against 35 with one allocator (`tests/large/measure.py`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Turns jemalloc's cache of freed blocks off for the calling thread: the
/// language server's tokio threads, where documents are analysed and
/// messages read and written. Rayon's threads keep theirs: they parse large
/// documents and index workspaces in bulk, where the caches save time (a
/// 1 MB document's first diagnostics took 0.22–0.28 s without them, against
/// 0.16–0.19 s), and `check` exits when done.
///
/// Each thread's cache keeps up to a few hundred freed blocks of every size
/// class for that thread's next allocations, and the server runs a
/// document's analysis on whichever of tokio's threads is free: the first
/// diagnostics and three edits of a 0.1 MB document ran on five of them,
/// each left with a cache of the document's transient blocks that no other
/// thread could reuse. Measured with `tests/large/measure.py runbook0.1`
/// (the peak over what the server held before, per byte of text): 27–35×
/// with the caches over six runs, 20.6–28.7× without over ten; the same
/// text opened a second time, 10–13× with them, 1.8–2.9× without. Typing
/// (the harness's W1) was no slower without them (see the README).
pub fn without_thread_cache() {
    use tikv_jemalloc_ctl::{Access, AsName};
    if let Err(error) = b"thread.tcache.enabled\0".name().write(false) {
        tracing::debug!("jemalloc's thread cache stays on: {error}");
    }
}

/// Whether jemalloc's thread cache is on for the calling thread.
#[cfg(test)]
pub fn thread_cache_enabled() -> bool {
    use tikv_jemalloc_ctl::{Access, AsName};
    b"thread.tcache.enabled\0".name().read().unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_can_turn_its_cache_off() {
        let enabled = std::thread::spawn(|| {
            let before = thread_cache_enabled();
            without_thread_cache();
            (before, thread_cache_enabled())
        })
        .join()
        .unwrap();
        assert_eq!(enabled, (true, false));
    }

    #[test]
    fn the_servers_threads_run_without_caches() {
        let runtime = crate::server_runtime().unwrap();
        let (worker, blocking) = runtime.block_on(async {
            let worker = tokio::spawn(async { thread_cache_enabled() }).await.unwrap();
            let blocking = tokio::task::spawn_blocking(thread_cache_enabled).await.unwrap();
            (worker, blocking)
        });
        assert_eq!((worker, blocking), (false, false));
    }
}
