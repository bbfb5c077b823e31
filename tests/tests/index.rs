//! End-to-end: the KEY index of a real workspace on disk, built in the
//! background with progress, and kept current from file changes.

use runbook_ls_tests::text::range;
use runbook_ls_tests::{
    ClientOptions, INDEX_PROGRESS, LspClient, PARSE_PROGRESS, TempWorkspace, demo_dir, is_progress,
};
use serde_json::{Value, json};

const RUNBOOK: &str = "runbooks/live.md";

fn runbook_text() -> String {
    [
        "### Action 1: Replay (REVERSIBLE)",
        "",
        "**Precondition**: failed events",
        "- **KEY**: `node-stripe-webhook-replay`",
        "- **Side Effects**: replays",
        "",
        "**Execution**:",
        "```ts",
        "import { replayFailedWebhook, pauseReplays } from '@/node-keys/stripe-webhook-replay/src';",
        "```",
        "**Manual Alternative**: resend by hand",
        "**Rollback**: idempotent",
        "",
    ]
    .join("\n")
}

fn start(workspace: &TempWorkspace, watch_files: bool) -> LspClient {
    let (client, _) =
        LspClient::start(ClientOptions { root: Some(workspace.root.clone()), watch_files, ..ClientOptions::default() });
    client
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap_or_default().to_string()).collect()
}

fn has(diagnostics: &[Value], code: &str, message_part: &str) -> bool {
    diagnostics.iter().any(|diagnostic| {
        diagnostic["code"] == code && diagnostic["message"].as_str().unwrap_or_default().contains(message_part)
    })
}

#[test]
fn unknown_export_at_the_name_with_a_suggestion_then_live_updates() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, true);
    client.open(&uri, &text);

    let diagnostics = client.diagnostics_until(&uri, |found| has(found, "unknown-export", "replayFailedWebhook`"));
    let unknown = diagnostics
        .iter()
        .find(|diagnostic| {
            diagnostic["code"] == "unknown-export"
                && diagnostic["message"].as_str().unwrap().contains("`replayFailedWebhook`")
        })
        .unwrap();
    let start = text.find("replayFailedWebhook,").unwrap();
    assert_eq!(unknown["range"], range(&text, start, start + "replayFailedWebhook".len(), false));
    assert!(unknown["message"].as_str().unwrap().contains("did you mean one of `replayFailedWebhooks`"), "{unknown}");
    // The candidates are quick fixes now, not data on the diagnostic.
    assert!(unknown.get("data").is_none(), "{unknown}");
    assert!(has(&diagnostics, "unknown-export", "`pauseReplays`"));

    // The client registered watchers for the files that matter, and saw progress.
    // Sent before the index is built, but on another path than the
    // publications: waited for, not assumed to be in already.
    let registration = client.wait_for_request("client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert!(watchers.as_array().unwrap().iter().any(|watcher| watcher["globPattern"] == "**/key.json"));
    assert!(client.server_requests.iter().any(|request| request["method"] == "window/workDoneProgress/create"));
    // Progress goes out through the protocol's loop and diagnostics are
    // written directly, so either may come first: an open document is
    // re-checked as soon as the index is in place.
    client.wait_for_notification("$/progress", |params| is_progress(params, INDEX_PROGRESS, "begin"));
    client.wait_for_notification("$/progress", |params| is_progress(params, INDEX_PROGRESS, "end"));
    // Then the runbooks' models are parsed in the background, under a progress of their own.
    let parsed = client.wait_for_notification("$/progress", |params| is_progress(params, PARSE_PROGRESS, "end"));
    assert!(parsed["value"]["message"].as_str().unwrap().ends_with(" runbooks parsed"), "{parsed}");

    // Adding the export on disk fixes the import, without reopening the runbook.
    let handler = "node-keys/stripe-webhook-replay/src/handlers/replay.ts";
    let mut source = workspace.read(handler);
    source.push_str("\n/** Pauses replays. */\nexport function pauseReplays(): void {}\n");
    workspace.write(handler, &source);
    let index = "node-keys/stripe-webhook-replay/src/index.ts";
    let entry = workspace.read(index).replace("countFailedWebhooks }", "countFailedWebhooks, pauseReplays }");
    workspace.write(index, &entry);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": workspace.uri(handler), "type": 2 }, { "uri": workspace.uri(index), "type": 2 } ] }),
    );
    let diagnostics = client.diagnostics_until(&uri, |found| !has(found, "unknown-export", "`pauseReplays`"));
    assert!(has(&diagnostics, "unknown-export", "`replayFailedWebhook`"), "{:?}", codes(&diagnostics));

    // Deleting the KEY folder turns its references into unknown ones.
    std::fs::remove_dir_all(workspace.path("node-keys/stripe-webhook-replay")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": workspace.uri("node-keys/stripe-webhook-replay/key.json"), "type": 3 }, { "uri": workspace.uri(index), "type": 3 } ] }),
    );
    let diagnostics = client.diagnostics_until(&uri, |found| has(found, "unknown-key", "node-stripe-webhook-replay"));
    assert!(has(&diagnostics, "unresolved-import", "stripe-webhook-replay"), "{:?}", codes(&diagnostics));
    assert!(!has(&diagnostics, "unknown-export", ""), "{:?}", codes(&diagnostics));
    assert!(client.shutdown().success());
}

#[test]
fn the_server_watches_files_itself_when_the_client_cannot() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, false);
    client.open(&uri, &text);
    client.diagnostics_until(&uri, |found| has(found, "unknown-export", "`pauseReplays`"));
    assert!(!client.server_requests.iter().any(|request| request["method"] == "client/registerCapability"));

    let index = "node-keys/stripe-webhook-replay/src/index.ts";
    let mut entry = workspace.read(index);
    entry.push_str("export function pauseReplays(): void {}\n");
    workspace.write(index, &entry);
    client.diagnostics_until(&uri, |found| !has(found, "unknown-export", "`pauseReplays`"));
    assert!(client.shutdown().success());
}

#[test]
fn bad_configuration_and_manifests_are_reported_on_their_files() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    workspace.write(
        "runbook-ls.toml",
        "runbooks = [\"runbooks/*.md\"]\n\n[rules]\nmissing-sideeffects = \"info\"\nmissing-safety = \"off\"\n",
    );
    workspace.write("node-keys/broken-key/key.json", "{ \"slug\": \"broken-key\", \"side_effects\": \"not a list\" }");
    let mut client = start(&workspace, true);
    let config = client.wait_for_notification("textDocument/publishDiagnostics", |params| {
        params["uri"] == workspace.uri("runbook-ls.toml")
    });
    let diagnostic = &config["diagnostics"][0];
    assert_eq!(diagnostic["code"], "invalid-config");
    assert_eq!(
        diagnostic["range"],
        json!({ "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 19 } })
    );
    assert!(diagnostic["message"].as_str().unwrap().contains("did you mean `missing-side-effects`"));

    let manifest = client.wait_for_notification("textDocument/publishDiagnostics", |params| {
        params["uri"] == workspace.uri("node-keys/broken-key/key.json")
    });
    let diagnostic = &manifest["diagnostics"][0];
    assert_eq!(diagnostic["code"], "invalid-key-manifest");
    assert_eq!(diagnostic["range"]["start"]["line"], 0);

    // The rest of the configuration still applies: missing-safety is off.
    let text = "### Action 1: Go\n\n**Precondition**: ok\n";
    let uri = workspace.uri("runbooks/config.md");
    client.open(&uri, text);
    let diagnostics = client.diagnostics_until(&uri, |_| true);
    assert!(!codes(&diagnostics).contains(&"missing-safety".to_string()), "{:?}", codes(&diagnostics));
    assert!(client.shutdown().success());
}

#[test]
fn settings_from_the_client_override_the_file() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        initialization_options: json!({ "rules": { "missing-precondition": "off" } }),
        ..ClientOptions::default()
    });
    client.configuration = json!({ "rules": { "missing-safety": "error" }, "trace": { "server": "off" } });
    let text = "### Action 1: Go\n";
    let uri = workspace.uri("runbooks/settings.md");
    client.open(&uri, text);
    let diagnostics = client.diagnostics_until(&uri, |found| {
        found.iter().any(|diagnostic| diagnostic["code"] == "missing-safety" && diagnostic["severity"] == 1)
    });
    assert!(!codes(&diagnostics).contains(&"missing-precondition".to_string()));

    // A changed setting is pulled again.
    client.configuration = json!({ "rules": { "missing-safety": "hint" } });
    client.notify("workspace/didChangeConfiguration", json!({ "settings": {} }));
    client.diagnostics_until(&uri, |found| {
        found.iter().any(|diagnostic| diagnostic["code"] == "missing-safety" && diagnostic["severity"] == 4)
    });
    assert!(client.shutdown().success());
}

#[test]
fn a_changed_configuration_file_is_read_again() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let mut client = start(&workspace, true);
    let text = "### Action 1: Go\n\n**Precondition**: ok\n";
    let uri = workspace.uri("runbooks/toml.md");
    client.open(&uri, text);
    client.diagnostics_until(&uri, |found| has(found, "missing-safety", ""));

    let mut toml = workspace.read("runbook-ls.toml");
    toml.push_str("missing-safety = \"off\"\n");
    workspace.write("runbook-ls.toml", &toml);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [ { "uri": workspace.uri("runbook-ls.toml"), "type": 2 } ] }),
    );
    client.diagnostics_until(&uri, |found| !has(found, "missing-safety", ""));
    assert!(client.shutdown().success());
}

#[test]
fn clients_without_workspace_configuration_push_their_settings() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    // Helix sends its `config` flat, both at initialize and on change.
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        workspace_configuration: false,
        initialization_options: json!({ "rules": { "missing-safety": "info" } }),
        ..ClientOptions::default()
    });
    let text = "### Action 1: Go\n\n**Precondition**: ok\n";
    let uri = workspace.uri("runbooks/helix.md");
    client.open(&uri, text);
    client.diagnostics_until(&uri, |found| {
        found.iter().any(|diagnostic| diagnostic["code"] == "missing-safety" && diagnostic["severity"] == 3)
    });
    client.notify("workspace/didChangeConfiguration", json!({ "settings": { "rules": { "missing-safety": "off" } } }));
    client.diagnostics_until(&uri, |found| !has(found, "missing-safety", ""));
    assert!(!client.server_requests.iter().any(|request| request["method"] == "workspace/configuration"));
    assert!(client.shutdown().success());
}
