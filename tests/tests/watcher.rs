//! End-to-end: the server's own file watcher, used when the client cannot
//! watch (Neovim 0.11 without dynamic file watching, Helix): it reacts to
//! changes inside the workspace, and to nothing else.

use std::time::Duration;

use runbook_ls_tests::{ClientOptions, LspClient, PARSE_PROGRESS, TempWorkspace, demo_dir, is_progress};
use serde_json::Value;

/// A client like Neovim 0.11: answers `workspace/configuration`, cannot watch files.
fn start_unwatched(workspace: &TempWorkspace) -> LspClient {
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        watch_files: false,
        workspace_configuration: true,
        ..ClientOptions::default()
    });
    // The runbooks are parsed in the background after the index: the server
    // is idle only once that has ended too.
    client.wait_for_notification("$/progress", |params| is_progress(params, PARSE_PROGRESS, "end"));
    client
}

fn count(messages: &[Value], method: &str) -> usize {
    messages.iter().filter(|message| message["method"] == method).count()
}

/// The CPU time the process has used, in clock ticks (`utime + stime`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("Linux /proc");
    // The command name in parentheses may hold spaces; the fields follow it.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("a stat line") + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Neovim setup of issue 12: the watcher reported the server's own read of
/// `runbook-ls.toml` as a change, which reloaded the configuration, which
/// read the file again: 15 reloads a second, forever.
#[test]
fn reading_files_does_not_wake_the_server() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let mut client = start_unwatched(&workspace);
    let uri = workspace.uri("runbooks/broken.md");
    client.open(&uri, &workspace.read("runbooks/broken.md"));
    client.diagnostics(&uri, 1);
    client.pump(Duration::from_millis(500));
    let requests_before = count(&client.server_requests, "workspace/configuration");
    client.notifications.clear();

    for file in [
        "runbook-ls.toml",
        "runbooks/clean.md",
        "node-keys/stripe-webhook-replay/key.json",
        "node-keys/stripe-webhook-replay/src/index.ts",
    ] {
        workspace.read(file);
        drop(std::fs::File::open(workspace.path(file)).unwrap());
    }
    client.pump(Duration::from_secs(2));
    assert_eq!(count(&client.server_requests, "workspace/configuration"), requests_before, "reloads after reads");
    assert_eq!(count(&client.notifications, "textDocument/publishDiagnostics"), 0, "{:#?}", client.notifications);

    let before = cpu_ticks(client.pid());
    client.pump(Duration::from_secs(2));
    let used = cpu_ticks(client.pid()) - before;
    // Idle is a few ticks at most (100 ticks a second); the loop used 15 a second.
    assert!(used <= 4, "the idle server used {used} clock ticks in 2 s");

    // A real change still counts.
    let toml = workspace.read("runbook-ls.toml") + "missing-safety = \"off\"\n";
    workspace.write("runbook-ls.toml", &toml);
    client.diagnostics_until(&uri, |found| found.iter().all(|diagnostic| diagnostic["code"] != "missing-safety"));
    assert!(client.shutdown().success());
}

/// The inodes of the folders the process watches with inotify, from
/// `/proc/<pid>/fdinfo` (`inotify wd:1 ino:1a2b sdev:…` per watch).
fn watched_inodes(pid: u32) -> Vec<u64> {
    let mut inodes = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).expect("Linux /proc").flatten() {
        let Ok(info) = std::fs::read_to_string(entry.path()) else { continue };
        for line in info.lines().filter(|line| line.starts_with("inotify ")) {
            let ino = line.split(' ').find_map(|field| field.strip_prefix("ino:")).expect("an inode per watch");
            inodes.push(u64::from_str_radix(ino, 16).unwrap());
        }
    }
    inodes
}

fn folder_inodes(root: &std::path::Path) -> Vec<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut inodes = vec![std::fs::metadata(root).unwrap().ino()];
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            inodes.extend(folder_inodes(&entry.path()));
        }
    }
    inodes
}

/// Issue 12, bug 2: `node-keys/evil -> /etc` made the watcher list and
/// watch every folder under `/etc`.
#[test]
fn the_watcher_does_not_follow_symlinks_out_of_the_workspace() {
    let outside = TempWorkspace::copy_of(&demo_dir());
    let workspace = TempWorkspace::copy_of(&demo_dir());
    std::os::unix::fs::symlink(&outside.root, workspace.path("node-keys/evil")).unwrap();
    let client = start_unwatched(&workspace);

    let inside = folder_inodes(&workspace.root);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let watched = loop {
        let watched = watched_inodes(client.pid());
        if inside.iter().all(|inode| watched.contains(inode)) {
            break watched;
        }
        assert!(std::time::Instant::now() < deadline, "the workspace is not watched: {watched:?} / {inside:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let outside_inodes = folder_inodes(&outside.root);
    let escaped: Vec<&u64> = watched.iter().filter(|inode| outside_inodes.contains(inode)).collect();
    assert!(escaped.is_empty(), "watches outside the workspace: {escaped:?}");
    assert_eq!(watched.len(), inside.len(), "one watch per folder of the workspace");
    drop(client);
}
