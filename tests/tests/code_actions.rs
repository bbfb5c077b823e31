//! End-to-end: code actions over stdio as editors ask for them: with and
//! without `codeAction/resolve`, in UTF-8 and UTF-16, on CRLF text, and a
//! fix that edits pack.json.

use runbook_ls_tests::text::{apply_edits, range};
use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_dir};
use serde_json::{Value, json};

const RUNBOOK: &str = "runbooks/fixes.md";

/// How a client says what it does with code actions.
fn code_action_capabilities(resolve: bool) -> Value {
    let mut code_action = json!({
        "codeActionLiteralSupport": { "codeActionKind": { "valueSet": ["quickfix", "source", "source.fixAll"] } },
        "isPreferredSupport": true,
        "dataSupport": true,
    });
    if resolve {
        code_action["resolveSupport"] = json!({ "properties": ["edit"] });
    }
    json!({
        "textDocument": { "codeAction": code_action },
        "workspace": { "workspaceEdit": { "documentChanges": resolve } },
    })
}

fn start(workspace: &TempWorkspace, utf8: bool, resolve: bool) -> LspClient {
    let position_encodings = if utf8 { vec!["utf-8", "utf-16"] } else { vec!["utf-16"] };
    let (client, initialized) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        position_encodings,
        extra_capabilities: code_action_capabilities(resolve),
        ..ClientOptions::default()
    });
    let provider = &initialized["capabilities"]["codeActionProvider"];
    assert_eq!(provider["resolveProvider"], true, "{provider}");
    assert_eq!(provider["codeActionKinds"], json!(["quickfix", "source", "source.fixAll.runbook-ls"]));
    client
}

fn find<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

fn titles(actions: &Value) -> Vec<&str> {
    actions.as_array().unwrap().iter().map(|action| action["title"].as_str().unwrap()).collect()
}

/// The code actions at `range`, for `diagnostics` (as editors send the ones under the cursor).
fn code_actions(
    client: &mut LspClient,
    uri: &str,
    range: &Value,
    diagnostics: &[&Value],
    only: Option<&[&str]>,
) -> Value {
    let mut context = json!({ "diagnostics": diagnostics, "triggerKind": 1 });
    if let Some(only) = only {
        context["only"] = json!(only);
    }
    client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
    )
}

/// The text edits of a workspace edit for `uri`, from `documentChanges` or `changes`.
fn edits_of(edit: &Value, uri: &str) -> Vec<Value> {
    if let Some(changes) = edit["documentChanges"].as_array() {
        return changes
            .iter()
            .filter(|change| change["textDocument"]["uri"] == uri)
            .flat_map(|change| change["edits"].as_array().unwrap().clone())
            .collect();
    }
    edit["changes"][uri].as_array().cloned().unwrap_or_default()
}

fn change_document(client: &mut LspClient, uri: &str, version: i64, text: &str) {
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [ { "text": text } ] }),
    );
}

/// A runbook with multi-byte text before the tokens the fixes replace.
fn runbook_text() -> String {
    [
        "### Action 1: Wiederholen 🔁 (REVERSABLE)",
        "",
        "**Precondition**: Ereignisse — fehlgeschlagen",
        "- **KEY**: `node-stripe-webhok-replay` 🔑",
        "- **Side Effects**: replays",
        "",
        "**Rollback**: idempotent",
        "",
    ]
    .join("\n")
}

#[test]
fn quick_fix_resolved_lazily_in_utf16_and_utf8() {
    for utf8 in [false, true] {
        let workspace = TempWorkspace::copy_of(&demo_dir());
        let text = runbook_text();
        workspace.write(RUNBOOK, &text);
        let uri = workspace.uri(RUNBOOK);
        let mut client = start(&workspace, utf8, true);
        client.open(&uri, &text);
        let diagnostics =
            client.diagnostics_until(&uri, |found| found.iter().any(|diagnostic| diagnostic["code"] == "unknown-key"));
        let unknown = find(&diagnostics, "unknown-key").clone();
        let slug = text.find("node-stripe-webhok-replay").unwrap();
        assert_eq!(unknown["range"], range(&text, slug, slug + "node-stripe-webhok-replay".len(), utf8));

        // Neovim asks at the cursor (here the start of the line) with the line's diagnostics.
        let line_start = range(&text, text.find("- **KEY**").unwrap(), text.find("- **KEY**").unwrap(), utf8);
        let actions = code_actions(&mut client, &uri, &line_start, &[&unknown], None);
        assert_eq!(titles(&actions)[0], "Change to `node-stripe-webhook-replay`", "{actions:#}");
        let action = actions[0].clone();
        assert_eq!(action["kind"], "quickfix");
        assert_eq!(action["isPreferred"], true);
        assert_eq!(action["diagnostics"][0]["code"], "unknown-key");
        assert!(action.get("edit").is_none(), "edits wait for resolve: {action}");
        assert!(titles(&actions).contains(&"Apply every unambiguous fix in this file"), "{actions:#}");

        let resolved = client.request("codeAction/resolve", action);
        let change = &resolved["edit"]["documentChanges"][0];
        assert_eq!(change["textDocument"], json!({ "uri": uri, "version": 1 }));
        let edits = edits_of(&resolved["edit"], &uri);
        assert_eq!(edits, [json!({ "range": unknown["range"], "newText": "node-stripe-webhook-replay" })]);

        // Applied as the editor would, the finding goes.
        let fixed = apply_edits(&text, &edits, utf8);
        assert!(fixed.contains("- **KEY**: `node-stripe-webhook-replay` 🔑"), "{fixed}");
        change_document(&mut client, &uri, 2, &fixed);
        let after = client.diagnostics(&uri, 2);
        assert!(after.iter().all(|diagnostic| diagnostic["code"] != "unknown-key"), "{after:#?}");

        // An action offered for version 2 cannot be resolved once the text moved on.
        let safety = find(&after, "unknown-safety-class").clone();
        let stale = code_actions(&mut client, &uri, &safety["range"], &[], Some(&["quickfix"]));
        assert_eq!(titles(&stale), ["Change to REVERSIBLE"]);
        change_document(&mut client, &uri, 3, &format!("{fixed}\n"));
        let error = client.request_raw("codeAction/resolve", stale[0].clone()).unwrap_err();
        assert_eq!(error["code"], -32801, "{error}");
        assert!(client.shutdown().success());
    }
}

#[test]
fn without_resolve_support_edits_come_inline_and_fix_all_on_request() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, false, false);
    client.open(&uri, &text);
    let diagnostics =
        client.diagnostics_until(&uri, |found| found.iter().any(|diagnostic| diagnostic["code"] == "unknown-key"));
    let safety = find(&diagnostics, "unknown-safety-class").clone();
    let actions = code_actions(&mut client, &uri, &safety["range"], &[], None);
    assert_eq!(titles(&actions), ["Change to REVERSIBLE", "Apply every unambiguous fix in this file"]);
    let edits = edits_of(&actions[0]["edit"], &uri);
    assert!(actions[0]["edit"].get("documentChanges").is_none(), "{actions:#}");
    assert_eq!(apply_edits(&text, &edits, false).lines().next().unwrap(), "### Action 1: Wiederholen 🔁 (REVERSIBLE)");
    assert!(actions[0].get("data").is_none());

    // Fix-all, as asked for on save.
    let anywhere = range(&text, 0, 0, false);
    let fix_all = code_actions(&mut client, &uri, &anywhere, &[], Some(&["source.fixAll"]));
    assert_eq!(titles(&fix_all), ["Apply every unambiguous fix in this file"]);
    assert_eq!(fix_all[0]["kind"], "source.fixAll.runbook-ls");
    let fixed = apply_edits(&text, &edits_of(&fix_all[0]["edit"], &uri), false);
    assert_eq!(
        fixed,
        runbook_text()
            .replace("REVERSABLE", "REVERSIBLE")
            .replace("node-stripe-webhok-replay", "node-stripe-webhook-replay")
    );
    // Only quick fixes asked for: no source actions.
    let quick = code_actions(&mut client, &uri, &anywhere, &[], Some(&["quickfix"]));
    assert_eq!(titles(&quick), Vec::<&str>::new());
    assert!(client.shutdown().success());
}

#[test]
fn inserted_fields_keep_crlf_line_endings() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = "### Action 1: Purge Events (IRREVERSIBLE)\r\n\r\n**Precondition**: nothing else worked\r\n\r\n**Execution**: purge them\r\n";
    workspace.write(RUNBOOK, text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, true, true);
    client.open(&uri, text);
    let diagnostics = client.diagnostics_until(&uri, |found| {
        found.iter().any(|diagnostic| diagnostic["code"] == "irreversible-without-warning")
    });
    let missing = find(&diagnostics, "irreversible-without-warning").clone();
    let actions = code_actions(&mut client, &uri, &missing["range"], &[&missing], Some(&["quickfix"]));
    let insert = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"] == "Insert a **Warning** field")
        .unwrap_or_else(|| panic!("{actions:#}"))
        .clone();
    let resolved = client.request("codeAction/resolve", insert);
    let fixed = apply_edits(text, &edits_of(&resolved["edit"], &uri), true);
    assert_eq!(
        fixed,
        "### Action 1: Purge Events (IRREVERSIBLE)\r\n\r\n**Precondition**: nothing else worked\r\n\r\n**Warning**: TODO: say what cannot be undone\r\n\r\n**Execution**: purge them\r\n"
    );

    // The source action on the heading fills in the rest, CRLF too.
    let heading = range(text, 4, 4, true);
    let source = code_actions(&mut client, &uri, &heading, &[], Some(&["source"]));
    assert_eq!(titles(&source), ["Fill in every missing field of Action 1"]);
    let resolved = client.request("codeAction/resolve", source[0].clone());
    let filled = apply_edits(text, &edits_of(&resolved["edit"], &uri), true);
    assert!(filled.contains("**Warning**: TODO: say what cannot be undone\r\n"), "{filled:?}");
    assert!(!filled.replace("\r\n", "").contains('\n'), "a bare line feed in {filled:?}");
    assert!(client.shutdown().success());
}

#[test]
fn a_fix_that_edits_pack_json() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let readme = "runbooks/webhooks/README.md";
    let pack = "runbooks/webhooks/pack.json";
    let text = "# Webhooks\n\nUses `node-stripe-webhook-replay` and `node-webhook-monitoring`.\n";
    let pack_text = "{\n  \"name\": \"webhooks\",\n  \"references_node_keys\": [\"node-stripe-webhook-replay\"]\n}\n";
    workspace.write(readme, text);
    workspace.write(pack, pack_text);
    let uri = workspace.uri(readme);
    let mut client = start(&workspace, false, true);
    client.open(&uri, text);
    let diagnostics = client.diagnostics_until(&uri, |found| {
        found.iter().any(|diagnostic| diagnostic["code"] == "pack-reference-mismatch")
    });
    let mismatch = find(&diagnostics, "pack-reference-mismatch").clone();
    let actions = code_actions(&mut client, &uri, &mismatch["range"], &[], Some(&["quickfix"]));
    assert_eq!(titles(&actions), ["Add `node-webhook-monitoring` to `references_node_keys` in pack.json"]);
    let resolved = client.request("codeAction/resolve", actions[0].clone());
    let pack_uri = workspace.uri(pack);
    let change = &resolved["edit"]["documentChanges"][0];
    // pack.json is not open: its edit is not tied to a version.
    assert_eq!(change["textDocument"], json!({ "uri": pack_uri, "version": null }));
    assert!(edits_of(&resolved["edit"], &uri).is_empty());
    let fixed = apply_edits(pack_text, &edits_of(&resolved["edit"], &pack_uri), false);
    assert_eq!(
        fixed,
        "{\n  \"name\": \"webhooks\",\n  \"references_node_keys\": [\"node-stripe-webhook-replay\", \"node-webhook-monitoring\"]\n}\n"
    );
    assert!(client.shutdown().success());
}

/// A buffer that is not a file yet (VS Code's `untitled:`) is edited by its URI.
#[test]
fn untitled_buffers_are_fixed_by_their_uri() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let mut client = start(&workspace, false, true);
    let uri = "untitled:Untitled-1";
    let text = "### Action 1: Restart (REVERSABLE)\n\n**Precondition**: it hangs\n**Rollback**: start it\n";
    client.open(uri, text);
    let diagnostics = client.diagnostics(uri, 1);
    let safety = find(&diagnostics, "unknown-safety-class").clone();
    let actions = code_actions(&mut client, uri, &safety["range"], &[], Some(&["quickfix"]));
    let resolved = client.request("codeAction/resolve", actions[0].clone());
    assert_eq!(resolved["edit"]["documentChanges"][0]["textDocument"], json!({ "uri": uri, "version": 1 }));
    let fixed = apply_edits(text, &edits_of(&resolved["edit"], uri), false);
    assert!(fixed.starts_with("### Action 1: Restart (REVERSIBLE)\n"), "{fixed}");
    assert!(client.shutdown().success());
}
