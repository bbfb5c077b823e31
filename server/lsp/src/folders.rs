//! The life of workspace folders in the server: configuration pulled from the
//! client and re-read on change, the KEY and runbook index built in the
//! background with progress, and kept current from file changes (the
//! client's watchers, or our own when the client cannot watch).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use runbook_ide::{Diagnostic, DiagnosticCode};
use runbook_keys::fs::NODE_MODULES;
use runbook_keys::{KeyCatalog, MANIFEST, SCRIPT_EXTENSIONS};
use runbook_syntax::LineIndex;
use serde_json::json;
use tokio::sync::mpsc;
use tower_lsp_server::ls_types::*;

use crate::config::{self, CONFIG_FILE, ConfigLayer};
use crate::positions::Converter;
use crate::session::{Folder, Session};
use crate::to_proto;
use crate::workspace::{IndexedRunbook, MARKDOWN_EXTENSIONS, is_markdown};

/// The files whose changes matter besides KEY modules and runbooks: KEY
/// manifests, runbook packs, the `@/` alias and our configuration.
const WATCHED_NAMES: [&str; 4] = [MANIFEST, "pack.json", "tsconfig.json", CONFIG_FILE];

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

/// The client's settings for a folder: asked for when the client answers
/// `workspace/configuration`, else the last ones it pushed.
async fn client_layer(session: &Session, root: &Path, folder: &Folder) -> ConfigLayer {
    if !session.support().configuration {
        return folder.client_layer.clone();
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

pub async fn show_client_problems(session: &Session, problems: &[config::ConfigProblem], source: &str) {
    for problem in problems {
        let message = format!("runbook-ls: {source}: {}", problem.message);
        session.client.show_message(MessageType::WARNING, message).await;
    }
}

/// Re-reads the folder's configuration (file and client); returns whether the
/// key roots changed, which needs a new index.
pub async fn reload_config(session: &Arc<Session>, root: &Path) -> bool {
    let Some(folder) = session.folder(root) else { return false };
    let client_layer = client_layer(session, root, &folder).await;
    let init_layer = session.support().init_layer;
    let (ide_config, file) = folder.state.read_config(None, &[&init_layer, &client_layer]);
    let roots_changed = ide_config.key_roots != folder.state.config.key_roots;
    session.update_folder(root, |folder| {
        folder.state.config = Arc::new(ide_config);
        folder.config_file = file;
        folder.client_layer = client_layer;
    });
    publish_folder_files(session, root).await;
    for (uri, _) in session.open_documents_in(root) {
        session.schedule_diagnostics(uri);
    }
    roots_changed
}

/// Builds the folder's KEY catalog and runbook index in the background,
/// reporting progress, then re-checks its open documents.
pub async fn rebuild_index(session: Arc<Session>, root: PathBuf) {
    let Some(generation) = session.update_folder(&root, |folder| {
        folder.index_generation += 1;
        folder.index_generation
    }) else {
        return;
    };
    let Some(folder) = session.folder(&root) else { return };
    let progress = begin_progress(&session, &root, generation).await;
    let mut state = folder.state.clone();
    let built = tokio::task::spawn_blocking(move || {
        state.index_keys();
        state.index_runbooks();
        state
    })
    .await;
    let state = match built {
        Ok(state) => state,
        Err(error) => {
            tracing::error!("indexing {} failed: {error}", root.display());
            end_progress(progress, "indexing failed".to_string()).await;
            return;
        }
    };
    let n_keys = state.catalog.as_ref().map_or(0, |catalog| catalog.keys().len());
    let n_runbooks = state.runbooks.len();
    let current = session.update_folder(&root, |folder| {
        if folder.index_generation != generation {
            return false;
        }
        folder.state.catalog = state.catalog;
        folder.state.runbooks = state.runbooks;
        true
    });
    if current == Some(true) {
        tracing::info!("indexed {}: {n_keys} KEYs, {n_runbooks} runbooks", root.display());
        publish_folder_files(&session, &root).await;
        for (uri, _) in session.open_documents_in(&root) {
            session.schedule_diagnostics(uri);
        }
    }
    // Only now is the index's work visible: manifest problems are published
    // and open documents are queued for their full diagnostics.
    end_progress(progress, format!("{n_keys} KEYs, {n_runbooks} runbooks")).await;
}

type ProgressHandle =
    Option<tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::NotCancellable>>;

async fn begin_progress(session: &Session, root: &Path, generation: u64) -> ProgressHandle {
    if !session.support().work_done_progress {
        return None;
    }
    let token = NumberOrString::String(format!("runbook-ls/index/{}/{generation}", root.display()));
    if let Err(error) = session.client.create_work_done_progress(token.clone()).await {
        tracing::warn!("window/workDoneProgress/create failed: {}", error.message);
        return None;
    }
    let name = root.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    Some(session.client.progress(token, "Indexing KEYs and runbooks").with_message(name).begin().await)
}

async fn end_progress(progress: ProgressHandle, message: String) {
    if let Some(progress) = progress {
        progress.finish_with_message(message).await;
    }
}

/// Publishes the diagnostics of the folder's configuration file and KEY
/// manifests, and clears those that were fixed.
async fn publish_folder_files(session: &Session, root: &Path) {
    let Some(folder) = session.folder(root) else { return };
    let encoding = session.encoding();
    let mut files: Vec<(PathBuf, Vec<tower_lsp_server::ls_types::Diagnostic>)> = Vec::new();
    let config_diagnostics: Vec<Diagnostic> = folder
        .config_file
        .diagnostics()
        .into_iter()
        .filter_map(|diagnostic| folder.state.config.configured(diagnostic))
        .collect();
    if !config_diagnostics.is_empty() {
        let text = &folder.config_file.text;
        let line_index = LineIndex::new(text);
        let converter = Converter::new(text, &line_index, encoding);
        if let Some(uri) = Uri::from_file_path(&folder.config_file.path) {
            let converted = config_diagnostics
                .iter()
                .map(|diagnostic| to_proto::diagnostic(&uri, &converter, diagnostic))
                .collect();
            files.push((folder.config_file.path.clone(), converted));
        }
    }
    if let Some(catalog) = &folder.state.catalog {
        let mut by_file: Vec<(PathBuf, Vec<tower_lsp_server::ls_types::Diagnostic>)> = Vec::new();
        for problem in catalog.manifest_problems() {
            let range = &problem.location.range;
            let diagnostic = Diagnostic::new(DiagnosticCode::InvalidKeyManifest, range.range, problem.message.clone());
            let Some(diagnostic) = folder.state.config.configured(diagnostic) else { continue };
            let converted = to_proto::file_diagnostic(range, encoding, &diagnostic);
            match by_file.iter_mut().find(|(path, _)| *path == problem.location.path) {
                Some((_, list)) => list.push(converted),
                None => by_file.push((problem.location.path.clone(), vec![converted])),
            }
        }
        files.extend(by_file);
    }
    let now: HashSet<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
    let cleared: Vec<PathBuf> = folder.published_files.iter().filter(|path| !now.contains(*path)).cloned().collect();
    session.update_folder(root, |folder| folder.published_files = now.iter().cloned().collect());
    for path in cleared {
        if let Some(uri) = Uri::from_file_path(&path) {
            session.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }
    for (path, diagnostics) in files {
        if let Some(uri) = Uri::from_file_path(&path) {
            session.client.publish_diagnostics(uri, diagnostics, None).await;
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
        let Some(folder) = session.folder(&root) else { continue };
        let Some(old_catalog) = folder.state.catalog.clone() else {
            continue; // The first index is still being built; it will read the new files.
        };
        let fs = folder.state.fs.clone();
        let key_paths: Vec<PathBuf> = changed.iter().filter(|path| !is_markdown(path)).cloned().collect();
        let markdown: Vec<PathBuf> = changed.iter().filter(|path| is_markdown(path)).cloned().collect();
        let update = tokio::task::spawn_blocking(move || {
            let (catalog, changed_slugs) = if key_paths.is_empty() {
                ((*old_catalog).clone(), Vec::new())
            } else {
                old_catalog.update(&*fs, &key_paths)
            };
            let runbooks: Vec<(PathBuf, Option<IndexedRunbook>)> =
                markdown.into_iter().map(|path| (path.clone(), IndexedRunbook::read(&*fs, &path))).collect();
            (catalog, changed_slugs, runbooks, old_catalog)
        })
        .await;
        let Ok((catalog, changed_slugs, runbooks, old_catalog)) = update else { continue };
        let catalog = Arc::new(catalog);
        let affected = affected_folders(&old_catalog, &catalog, &changed_slugs);
        session.update_folder(&root, |folder| {
            folder.state.catalog = Some(catalog.clone());
            let mut index = (*folder.state.runbooks).clone();
            for (path, runbook) in runbooks {
                match runbook {
                    Some(runbook) => index.insert(path, Arc::new(runbook)),
                    None => index.remove(&path),
                };
            }
            folder.state.runbooks = Arc::new(index);
        });
        publish_folder_files(&session, &root).await;
        let pack_changed = changed.iter().any(|path| path.file_name().is_some_and(|name| name == "pack.json"));
        for (uri, document) in session.open_documents_in(&root) {
            let parse = document.document.parse();
            if pack_changed || depends_on(parse.runbook(), &changed_slugs, &affected) {
                session.schedule_diagnostics(uri);
            }
        }
    }
}

/// The folder names of the KEYs whose slugs changed, in the old and new catalog.
fn affected_folders(old: &KeyCatalog, new: &KeyCatalog, slugs: &[String]) -> Vec<String> {
    let mut folders: Vec<String> =
        slugs.iter().flat_map(|slug| [old.key(slug), new.key(slug)]).flatten().map(|key| key.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    folders
}

/// Whether a runbook's findings can change when these KEYs change.
fn depends_on(runbook: &runbook_syntax::Runbook, slugs: &[String], folders: &[String]) -> bool {
    let names_folder = |text: &str| folders.iter().any(|folder| text.split('/').any(|part| part == folder));
    runbook.key_refs.iter().any(|key_ref| slugs.iter().any(|slug| **slug == *key_ref.slug))
        || runbook.imports.iter().any(|import| names_folder(&import.specifier))
        || runbook.locations.iter().any(|location| names_folder(&location.path))
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
