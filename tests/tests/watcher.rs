//! End-to-end: the server's own file watcher, used when the client cannot
//! watch (Neovim 0.11 without dynamic file watching, Helix): it reacts to
//! changes inside the workspace, and to nothing else.

use std::time::Duration;

use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_dir};
use serde_json::Value;

/// A client like Neovim 0.11: answers `workspace/configuration`, cannot watch files.
fn start_unwatched(workspace: &TempWorkspace) -> LspClient {
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        watch_files: false,
        workspace_configuration: true,
        ..ClientOptions::default()
    });
    client.wait_for_notification("$/progress", |params| params["value"]["kind"] == "end");
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
