//! The life of workspace folders in the server: configuration pulled from the
//! client and re-read on change, the index built in the background with
//! progress, and kept current from file changes (the client's watchers, or
//! our own when the client cannot watch). The work itself is the folder's
//! `AnalysisHost`'s; this module decides when, and tells the client.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use runbook_ide::settings::{CONFIG_FILE, ConfigLayer, ConfigProblem};
use runbook_ide::{FileDiagnostic, IndexScope, MARKDOWN_EXTENSIONS};
use runbook_keys::fs::NODE_MODULES;
use runbook_keys::{MANIFEST, SCRIPT_EXTENSIONS};
use serde_json::json;
use tokio::sync::mpsc;
use tower_lsp_server::ls_types::*;

use crate::session::Session;
use crate::to_proto;

/// The files whose changes matter besides KEY modules and runbooks: KEY
/// manifests, runbook packs, the `@/` alias and our configuration.
const WATCHED_NAMES: [&str; 4] = [MANIFEST, runbook_ide::pack::PACK_FILE, "tsconfig.json", CONFIG_FILE];

/// The extensions of KEY modules and runbooks.
fn watched_extensions() -> impl Iterator<Item = &'static str> {
    SCRIPT_EXTENSIONS.iter().map(|extension| extension.trim_start_matches('.')).chain(MARKDOWN_EXTENSIONS)
}

/// The files whose changes matter, as globs for the client's watchers.
fn watched_globs() -> Vec<String> {
    let extensions: Vec<&str> = watched_extensions().collect();
    let names = WATCHED_NAMES.iter().map(|name| format!("**/{name}"));
    names.chain([format!("**/*.{{{}}}", extensions.join(","))]).collect()
}

fn is_watched(path: &Path) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    let extension = path.extension().map(|extension| extension.to_string_lossy()).unwrap_or_default();
    WATCHED_NAMES.contains(&name.as_ref()) || watched_extensions().any(|known| known == extension)
}

/// After `initialized`: configure and index every folder, and start watching.
pub async fn start(session: Arc<Session>) {
    for root in session.folder_roots() {
        reload_config(&session, &root).await;
        tokio::spawn(rebuild_index(session.clone(), root));
    }
    watch(&session).await;
    let problems = session.support().init_problems;
    show_client_problems(&session, &problems, "initializationOptions").await;
}

/// New folders from `workspace/didChangeWorkspaceFolders`.
pub async fn add(session: Arc<Session>, roots: Vec<PathBuf>) {
    session.add_folders(roots.clone());
    for root in roots {
        reload_config(&session, &root).await;
        tokio::spawn(rebuild_index(session.clone(), root));
    }
}

/// The editor's settings for a folder: asked for when the client answers
/// `workspace/configuration`, else the last ones it pushed.
async fn client_layer(session: &Session, root: &Path, pushed: ConfigLayer) -> ConfigLayer {
    if !session.support().configuration {
        return pushed;
    }
    let item = ConfigurationItem { scope_uri: Uri::from_file_path(root), section: Some("runbook-ls".to_string()) };
    match session.client.configuration(vec![item]).await {
        Ok(values) => {
            let value = values.into_iter().next().unwrap_or_default();
            let (layer, problems) = ConfigLayer::from_json(&value);
            show_client_problems(session, &problems, "the editor's runbook-ls settings").await;
            layer
        }
        Err(error) => {
            tracing::warn!("workspace/configuration failed: {}", error.message);
            ConfigLayer::default()
        }
    }
}

pub async fn show_client_problems(session: &Session, problems: &[ConfigProblem], source: &str) {
    for problem in problems {
        let message = format!("runbook-ls: {source}: {}", problem.message);
        session.client.show_message(MessageType::WARNING, message).await;
    }
}

/// Re-reads the folder's configuration (file and client); returns whether
/// the key roots changed, which needs a new index.
pub async fn reload_config(session: &Arc<Session>, root: &Path) -> bool {
    let Some((analysis, pushed)) =
        session.update_folder(root, |folder| (folder.host.analysis(), folder.client_layer.clone()))
    else {
        return false;
    };
    let client_layer = client_layer(session, root, pushed).await;
    let init_layer = session.support().init_layer;
    let config_file = analysis.read_config_file();
    let Some(roots_changed) = session.update_folder(root, |folder| {
        folder.client_layer = client_layer.clone();
        folder.host.set_settings(config_file, vec![init_layer, client_layer])
    }) else {
        return false;
    };
    folder_changed(session, root).await;
    for uri in session.open_documents_in(root) {
        session.schedule_diagnostics(uri);
    }
    roots_changed
}

/// Builds the folder's index in the background, reporting progress, then
/// re-checks its open documents.
pub async fn rebuild_index(session: Arc<Session>, root: PathBuf) {
    let Some(generation) = session.update_folder(&root, |folder| {
        folder.index_generation += 1;
        folder.index_generation
    }) else {
        return;
    };
    let progress = begin_progress(&session, "index", &root, generation, "Indexing KEYs and runbooks").await;
    let updating = session.index_lock.lock().await;
    let Some(analysis) = session.folder_analysis(&root) else { return };
    let built = tokio::task::spawn_blocking(move || analysis.build_index(&IndexScope::Workspace)).await;
    let index = match built {
        Ok(index) => index,
        Err(error) => {
            tracing::error!("indexing {} failed: {error}", root.display());
            end_progress(progress, "indexing failed".to_string()).await;
            return;
        }
    };
    let n_keys = index.catalog().keys().len();
    let n_runbooks = index.runbook_paths().count();
    let parsed_later = index.clone();
    let current = session.update_folder(&root, |folder| {
        if folder.index_generation != generation {
            return false;
        }
        folder.host.set_index(index);
        true
    });
    if current == Some(true) {
        tracing::info!("indexed {}: {n_keys} KEYs, {n_runbooks} runbooks", root.display());
        folder_changed(&session, &root).await;
        for uri in session.open_documents_in(&root) {
            session.schedule_diagnostics(uri);
        }
    }
    // Only now is the index's work visible: manifest problems are published
    // and open documents are queued for their full diagnostics.
    end_progress(progress, format!("{n_keys} KEYs, {n_runbooks} runbooks")).await;
    drop(updating);
    if current == Some(true) {
        // The runbooks' models, for what reads other runbooks (references,
        // rename, workspace symbols, code lens): parsed now rather than by
        // the first such request, under a progress of its own.
        let progress = begin_progress(&session, "parse", &root, generation, "Parsing runbooks").await;
        let parsed = tokio::task::spawn_blocking(move || match background_pool() {
            Some(pool) => pool.install(|| parsed_later.parse_all()),
            None => parsed_later.parse_all(),
        })
        .await;
        let message =
            if parsed.is_ok() { format!("{n_runbooks} runbooks parsed") } else { "parsing failed".to_string() };
        end_progress(progress, message).await;
    }
}

/// Threads for work nobody waits on: in rayon's global pool, thousands of
/// background parses would queue ahead of the parallel part of a request
/// (completion's matching joins there) and hold it for seconds.
/// `None` when its threads cannot be started.
fn background_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new().thread_name(|index| format!("runbook-ls-background-{index}")).build().ok()
    })
    .as_ref()
}

type ProgressHandle =
    Option<tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::NotCancellable>>;

/// A progress with the token `runbook-ls/{kind}/{root}/{generation}`.
async fn begin_progress(session: &Session, kind: &str, root: &Path, generation: u64, title: &str) -> ProgressHandle {
    if !session.support().work_done_progress {
        return None;
    }
    let token = NumberOrString::String(format!("runbook-ls/{kind}/{}/{generation}", root.display()));
    if let Err(error) = session.client.create_work_done_progress(token.clone()).await {
        tracing::warn!("window/workDoneProgress/create failed: {}", error.message);
        return None;
    }
    let name = root.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    Some(session.client.progress(token, title.to_string()).with_message(name).begin().await)
}

async fn end_progress(progress: ProgressHandle, message: String) {
    if let Some(progress) = progress {
        progress.finish_with_message(message).await;
    }
}

/// The folder's index or settings changed: asks the client to request again
/// what depends on them (see `refresh`), and publishes the findings about the
/// folder's configuration file and KEY manifests, clearing those that were
/// fixed (a client that pulls diagnostics gets them from `workspace/diagnostic`).
async fn folder_changed(session: &Arc<Session>, root: &Path) {
    crate::refresh::workspace_changed(session);
    if session.pull.pulls() {
        return;
    }
    let Some(analysis) = session.folder_analysis(root) else { return };
    let encoding = session.encoding();
    let mut files: BTreeMap<PathBuf, Vec<tower_lsp_server::ls_types::Diagnostic>> = BTreeMap::new();
    for FileDiagnostic { path, range, diagnostic } in analysis.workspace_diagnostics() {
        files.entry(path).or_default().push(to_proto::file_diagnostic(&range, encoding, &diagnostic));
    }
    let now: HashSet<PathBuf> = files.keys().cloned().collect();
    let Some(cleared) = session.update_folder(root, |folder| {
        let cleared: Vec<PathBuf> =
            folder.published_files.iter().filter(|path| !now.contains(*path)).cloned().collect();
        folder.published_files = now.iter().cloned().collect();
        cleared
    }) else {
        return;
    };
    for path in cleared {
        if let Some(uri) = Uri::from_file_path(&path) {
            session.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }
    for (path, diagnostics) in files {
        if let Some(uri) = Uri::from_file_path(&path) {
            session.publish_diagnostics(uri, diagnostics, None).await;
        }
    }
}

/// `workspace/didChangeWatchedFiles`, or our own watcher: re-reads what
/// changed and re-checks the open documents that depend on it.
pub async fn files_changed(session: Arc<Session>, paths: Vec<PathBuf>) {
    let paths: Vec<PathBuf> = paths.into_iter().filter(|path| is_watched(path)).collect();
    for root in session.folder_roots() {
        let changed: Vec<PathBuf> = paths.iter().filter(|path| path.starts_with(&root)).cloned().collect();
        if changed.is_empty() {
            continue;
        }
        if changed.iter().any(|path| *path == root.join(CONFIG_FILE)) && reload_config(&session, &root).await {
            tokio::spawn(rebuild_index(session.clone(), root.clone()));
            continue;
        }
        let _updating = session.index_lock.lock().await;
        let Some(analysis) = session.folder_analysis(&root) else { continue };
        let update = tokio::task::spawn_blocking(move || analysis.update_index(&changed)).await;
        // `None`: the first index is still being built; it will read the new files.
        let Ok(Some(update)) = update else { continue };
        session.update_folder(&root, |folder| folder.host.set_index(update.index.clone()));
        folder_changed(&session, &root).await;
        for uri in session.open_documents_in(&root) {
            let affected = session
                .snapshot(&uri)
                .and_then(|snapshot| snapshot.analysis.parse(&snapshot.path))
                .is_some_and(|parse| update.affects(parse.runbook()));
            if affected {
                session.schedule_diagnostics(uri);
            }
        }
    }
}

/// Asks the client to watch the files that matter; when it cannot, watches
/// the folders ourselves.
async fn watch(session: &Arc<Session>) {
    if session.support().watch_files_dynamically {
        let watchers = watched_globs()
            .into_iter()
            .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob), kind: None })
            .collect::<Vec<_>>();
        let registration = Registration {
            id: "runbook-ls/watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: Some(json!(DidChangeWatchedFilesRegistrationOptions { watchers })),
        };
        match session.client.register_capability(vec![registration]).await {
            Ok(()) => return,
            Err(error) => tracing::warn!("the client refused file watchers ({}); watching ourselves", error.message),
        }
    }
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut watchers = Vec::new();
    for root in session.folder_roots() {
        let sender = sender.clone();
        let handler = move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && changes_files(&event.kind)
            {
                let _ = sender.send(event.paths);
            }
        };
        // Symlinks are not followed: a link to a folder outside the
        // workspace (`node-keys/evil -> /etc`) must not have it listed and
        // watched; the index refuses such links too.
        let config = notify::Config::default().with_follow_symlinks(false);
        match <notify::RecommendedWatcher as notify::Watcher>::new(handler, config) {
            Ok(mut watcher) => {
                use notify::Watcher;
                match watcher.watch(&root, notify::RecursiveMode::Recursive) {
                    Ok(()) => watchers.push(watcher),
                    Err(error) => tracing::warn!("cannot watch {}: {error}", root.display()),
                }
            }
            Err(error) => tracing::warn!("no file watcher: {error}"),
        }
    }
    session.keep_watchers(watchers);
    tokio::spawn(forward_watcher_events(session.clone(), receiver));
}

/// Whether a watcher event can change what we read: a file or folder made,
/// written, renamed or removed. Opens, reads and closes without writing are
/// not changes: inotify reports the server's own reads, and taking them for
/// changes made every re-read start the next one (issue 12: a configuration
/// reload 15 times a second). Metadata (permissions, times) is not content.
fn changes_files(kind: &notify::EventKind) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        // A file closed after writing is complete: the moment to read it.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Batches the watcher's events (editors save in bursts) and applies them.
async fn forward_watcher_events(session: Arc<Session>, mut events: mpsc::UnboundedReceiver<Vec<PathBuf>>) {
    while let Some(first) = events.recv().await {
        let mut paths = first;
        tokio::time::sleep(Duration::from_millis(50)).await;
        while let Ok(more) = events.try_recv() {
            paths.extend(more);
        }
        paths.retain(|path| is_watched(path) && !path.components().any(|part| part.as_os_str() == NODE_MODULES));
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            files_changed(session.clone(), paths).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use notify::EventKind;
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind, RenameMode,
    };

    use super::{changes_files, is_watched, watched_globs};

    #[test]
    fn reads_and_metadata_are_not_changes() {
        let changes = [
            EventKind::Create(CreateKind::File),
            EventKind::Create(CreateKind::Folder),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Remove(RemoveKind::File),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
        ];
        for kind in changes {
            assert!(changes_files(&kind), "{kind:?}");
        }
        let not_changes = [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
            EventKind::Other,
            EventKind::Any,
        ];
        for kind in not_changes {
            assert!(!changes_files(&kind), "{kind:?}");
        }
    }

    #[test]
    fn the_watchers_and_the_filter_agree_on_what_matters() {
        assert_eq!(
            watched_globs(),
            [
                "**/key.json",
                "**/pack.json",
                "**/tsconfig.json",
                "**/runbook-ls.toml",
                "**/*.{ts,tsx,js,jsx,mjs,mts,cjs,cts,md,markdown}",
            ]
        );
        for watched in ["k/key.json", "r/pack.json", "tsconfig.json", "runbook-ls.toml", "k/src/a.cjs", "k/src/b.d.ts"]
        {
            assert!(is_watched(Path::new(watched)), "{watched}");
        }
        for ignored in ["k/README", "k/package.json", "notes.txt", "k/src/a.json"] {
            assert!(!is_watched(Path::new(ignored)), "{ignored}");
        }
    }
}
