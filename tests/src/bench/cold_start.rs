//! W4: a server started on a large workspace, timed from `initialized` to the
//! end of its index progress, and its peak memory once the index is ready.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::document::peak_rss_mb;
use super::stats::millis;
use crate::{ClientOptions, INDEX_PROGRESS, LspClient, PARSE_PROGRESS, is_progress};

/// How long the harness waits for an index before giving up.
const INDEX_TIMEOUT: Duration = Duration::from_secs(600);

pub struct IndexedServer {
    pub client: LspClient,
    pub initialize_result: Value,
    /// From sending `initialized` to the index progress `begin`.
    pub begin_ms: f64,
    /// From sending `initialized` to the index progress `end`.
    pub ready_ms: f64,
    /// The `end` message (`10000 KEYs, 1000 runbooks`).
    pub end_message: String,
    /// `VmHWM` right after the index is ready.
    pub peak_rss_mb: Option<f64>,
    /// From sending `initialized` to the end of the background parse of
    /// the runbooks, which every later workload waits for.
    pub parsed_ms: f64,
}

/// Starts the server on `root` as an editor with progress support does, and
/// waits for its index.
pub fn start_indexed(root: &Path) -> IndexedServer {
    let options =
        ClientOptions { root: Some(root.to_path_buf()), work_done_progress: true, ..ClientOptions::default() };
    let (mut client, initialize_result) = LspClient::start(options);
    let initialized_at = client.initialized_at();
    client.wait_for_notification_within(INDEX_TIMEOUT, "$/progress", |params| {
        is_progress(params, INDEX_PROGRESS, "begin")
    });
    let begin_ms = millis(initialized_at.elapsed());
    let end = client
        .wait_for_notification_within(INDEX_TIMEOUT, "$/progress", |params| is_progress(params, INDEX_PROGRESS, "end"));
    let ready = Instant::now();
    let ready_ms = millis(ready.duration_since(initialized_at));
    let peak_rss_mb = peak_rss_mb(client.pid());
    client
        .wait_for_notification_within(INDEX_TIMEOUT, "$/progress", |params| is_progress(params, PARSE_PROGRESS, "end"));
    let parsed_ms = millis(initialized_at.elapsed());
    // The progress notifications, configuration requests and KEY manifest
    // diagnostics of the start are not part of any later measurement.
    client.notifications.clear();
    IndexedServer {
        client,
        initialize_result,
        begin_ms,
        ready_ms,
        end_message: end["value"]["message"].as_str().unwrap_or_default().to_string(),
        peak_rss_mb,
        parsed_ms,
    }
}
