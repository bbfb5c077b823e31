//! End-to-end: how diagnostics reach each kind of client. A client that
//! pulls and can be told to pull again (VS Code's shape) gets
//! `textDocument/diagnostic` and `workspace/diagnostic` with result ids,
//! `unchanged` reports and refreshes when the KEY index changes, and is
//! never pushed to; Neovim 0.11's shape (pull without refresh) and Helix
//! 25.01's (no pull) get `publishDiagnostics`. Also the code lens command,
//! run by the client or through the server.

use std::time::Duration;

use runbook_ls_tests::text::range;
use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_dir, file_uri};
use serde_json::{Value, json};

const BROKEN: &str = "runbooks/broken.md";

/// VS Code 1.100's capabilities for diagnostics.
fn vscode() -> Value {
    json!({
        "textDocument": { "diagnostic": { "dynamicRegistration": true, "relatedDocumentSupport": false } },
        "workspace": { "diagnostics": { "refreshSupport": true } },
        "window": { "showDocument": { "support": true } },
    })
}

/// Neovim 0.11's (`vim.lsp.protocol.make_client_capabilities()`): it
/// advertises pull, but answers no refresh.
fn neovim() -> Value {
    json!({
        "textDocument": { "diagnostic": { "dynamicRegistration": false, "tagSupport": { "valueSet": [1, 2] } } },
        "workspace": { "semanticTokens": { "refreshSupport": true }, "inlayHint": { "refreshSupport": true } },
    })
}

fn start(workspace: &TempWorkspace, extra_capabilities: Value) -> (LspClient, Value) {
    LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        position_encodings: vec!["utf-8", "utf-16"],
        extra_capabilities,
        ..ClientOptions::default()
    })
}

fn codes(items: &Value) -> Vec<String> {
    let mut codes: Vec<String> =
        items.as_array().unwrap().iter().map(|item| item["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

/// Pulls a document's diagnostics until `done` (the index builds in the background).
fn pull_until(client: &mut LspClient, uri: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let report = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
        if done(&report) {
            return report;
        }
        client.pump(Duration::from_millis(50));
    }
    panic!("the pulled diagnostics of {uri} never got there");
}

/// Asks for a document's code lenses until `done` (the other runbooks, which
/// the lenses count, are parsed in the background), within the tests' timeout.
fn code_lenses_until(client: &mut LspClient, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = std::time::Instant::now() + runbook_ls_tests::TIMEOUT;
    loop {
        let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
        let lenses = lenses.as_array().cloned().unwrap_or_default();
        if done(&lenses) {
            return lenses;
        }
        assert!(std::time::Instant::now() < deadline, "the code lenses of {uri} never got there: {lenses:#?}");
        client.pump(Duration::from_millis(50));
    }
}

#[test]
fn a_client_that_pulls_and_refreshes_is_never_pushed_to() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let (mut client, initialized) = start(&workspace, vscode());
    assert_eq!(
        initialized["capabilities"]["diagnosticProvider"],
        json!({ "identifier": "runbook-ls", "interFileDependencies": true, "workspaceDiagnostics": true })
    );
    let uri = workspace.uri(BROKEN);
    let text = workspace.read(BROKEN);
    client.open(&uri, &text);

    // A full report with a result id, once the index knows the KEYs.
    let report = pull_until(&mut client, &uri, |report| {
        report["items"].as_array().is_some_and(|items| items.iter().any(|item| item["code"] == "unknown-key"))
    });
    assert_eq!(report["kind"], "full");
    let result_id = report["resultId"].as_str().expect("a result id").to_string();
    let unknown_key = report["items"].as_array().unwrap().iter().find(|item| item["code"] == "unknown-key").unwrap();
    let slug = text.find("node-stripe-webhok-replay").unwrap();
    assert_eq!(unknown_key["range"], range(&text, slug, slug + "node-stripe-webhok-replay".len(), true));

    // The same findings again: unchanged.
    let again = client
        .request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri }, "previousResultId": result_id }));
    assert_eq!(again, json!({ "kind": "unchanged", "resultId": result_id }));

    // An edit that fixes the slug: a new full report without it.
    let typo = slug + "node-stripe-webho".len();
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": range(&text, typo, typo, true), "text": "o" }],
        }),
    );
    let fixed = client
        .request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri }, "previousResultId": result_id }));
    assert_eq!(fixed["kind"], "full");
    assert!(!codes(&fixed["items"]).contains(&"unknown-key".to_string()), "{fixed:#}");

    // Reports are written by the server itself (not by tower-lsp-server);
    // a request it cannot read is still answered, with the JSON-RPC error.
    let error = client.request_raw("textDocument/diagnostic", json!({ "textDocument": {} })).unwrap_err();
    assert_eq!(error["code"], -32602, "{error:#}");

    // The workspace: the open runbook at its version, the other one from disk.
    let workspace_report = client.request("workspace/diagnostic", json!({ "previousResultIds": [] }));
    let items = workspace_report["items"].as_array().unwrap();
    let item = |relative: &str| {
        let uri = workspace.uri(relative);
        items.iter().find(|item| item["uri"] == uri).unwrap_or_else(|| panic!("no report for {relative}: {items:#?}"))
    };
    assert_eq!(item(BROKEN)["version"], 2);
    assert_eq!(item(BROKEN)["kind"], "full");
    assert_eq!(item("runbooks/clean.md")["version"], Value::Null);
    assert_eq!(codes(&item("runbooks/clean.md")["items"]), Vec::<String>::new());
    let previous: Vec<Value> =
        items.iter().map(|item| json!({ "uri": item["uri"], "value": item["resultId"] })).collect();
    let again = client.request("workspace/diagnostic", json!({ "previousResultIds": previous }));
    assert!(
        again["items"].as_array().unwrap().iter().all(|item| item["kind"] == "unchanged"),
        "nothing changed: {again:#}"
    );

    // A KEY manifest breaks: the client is asked to pull again, and the
    // workspace report holds the manifest's finding.
    client.server_requests.clear();
    let manifest = "node-keys/webhook-monitoring/key.json";
    workspace.write(manifest, "{ \"slug\": ");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": workspace.uri(manifest), "type": 2 }] }),
    );
    client.wait_for_request("workspace/diagnostic/refresh");
    let broken_manifest = client.request("workspace/diagnostic", json!({ "previousResultIds": previous }));
    let manifest_uri = workspace.uri(manifest);
    let manifest_item = broken_manifest["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["uri"] == manifest_uri)
        .unwrap_or_else(|| panic!("no report for the manifest: {broken_manifest:#}"));
    assert_eq!(codes(&manifest_item["items"]), ["invalid-key-manifest"]);

    // Nothing was ever pushed.
    client.pump(Duration::from_millis(200));
    let pushed: Vec<&Value> =
        client.notifications.iter().filter(|n| n["method"] == "textDocument/publishDiagnostics").collect();
    assert!(pushed.is_empty(), "a pulling client got pushed diagnostics: {pushed:#?}");
    assert!(client.shutdown().success());
}

#[test]
fn neovim_and_helix_are_pushed_to() {
    for (name, capabilities) in [("Neovim 0.11", neovim()), ("Helix 25.01", Value::Null)] {
        let workspace = TempWorkspace::copy_of(&demo_dir());
        let (mut client, initialized) = start(&workspace, capabilities);
        assert!(initialized["capabilities"].get("diagnosticProvider").is_none(), "{name}: {initialized:#}");
        let uri = workspace.uri(BROKEN);
        client.open(&uri, &workspace.read(BROKEN));
        let found = client.diagnostics_until(&uri, |found| found.iter().any(|d| d["code"] == "unknown-key"));
        assert!(found.len() > 5, "{name}: {found:#?}");
        assert!(client.shutdown().success());
    }
}

#[test]
fn code_lens_commands_run_in_the_client_that_says_so_else_in_the_server() {
    // A client without the command: the server asks which file to open, then opens it.
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let (mut client, _) = start(&workspace, vscode());
    let uri = workspace.uri("runbooks/clean.md");
    client.open(&uri, &workspace.read("runbooks/clean.md"));
    let is_used_by = |lens: &Value| lens["command"]["title"] == "used by 1 other runbook";
    let lenses = code_lenses_until(&mut client, &uri, |lenses| lenses.iter().any(is_used_by));
    let used_by = lenses.iter().find(|lens| is_used_by(lens)).unwrap();
    let command = &used_by["command"];
    assert_eq!(command["command"], "runbook-ls.findReferences");
    client.answers.insert("window/showMessageRequest".to_string(), json!({ "title": "runbooks/broken.md (2)" }));
    client.answers.insert("window/showDocument".to_string(), json!({ "success": true }));
    let executed = client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    assert_eq!(executed, Value::Null);
    let asked = client.wait_for_request("window/showMessageRequest");
    let titles: Vec<&str> =
        asked["params"]["actions"].as_array().unwrap().iter().map(|action| action["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["runbooks/broken.md (2)", "runbooks/clean.md (2)"]);
    let shown = client.wait_for_request("window/showDocument");
    assert_eq!(shown["params"]["uri"], file_uri(&workspace.path("runbooks/broken.md")));
    assert_eq!(shown["params"]["takeFocus"], true);
    assert!(client.shutdown().success());

    // A client that runs `runbook-ls.showReferences` itself gets it, with
    // `editor.action.showReferences`' arguments.
    let mut capabilities = vscode();
    capabilities["experimental"] = json!({ "commands": { "commands": ["runbook-ls.showReferences"] } });
    let (mut client, _) = start(&workspace, capabilities);
    client.open(&uri, &workspace.read("runbooks/clean.md"));
    let lens = code_lenses_until(&mut client, &uri, |lenses| !lenses.is_empty()).swap_remove(0);
    assert_eq!(lens["command"]["command"], "runbook-ls.showReferences");
    let arguments = lens["command"]["arguments"].as_array().unwrap();
    assert_eq!(arguments[0], uri);
    assert_eq!(arguments[1], lens["range"]["start"]);
    assert!(
        arguments[2]
            .as_array()
            .unwrap()
            .iter()
            .all(|location| location["uri"].is_string() && location["range"].is_object())
    );
    assert!(client.shutdown().success());
}
