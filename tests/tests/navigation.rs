//! End-to-end: navigation against the built server, as an editor drives it,
//! in UTF-8 and UTF-16, on a runbook with CRLF line ends and non-ASCII text:
//! definition, references (a runbook on disk that is not open, and an open one
//! with unsaved changes), document links, workspace symbols, rename applied to
//! the files and checked with `runbook-ls check`, and willRenameFiles.

use std::path::Path;

use runbook_ls_tests::text::{apply_edits, range};
use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, check_findings, demo_dir, file_uri};
use serde_json::{Value, json};

const LIVE: &str = "runbooks/live.md";

/// A runbook with CRLF line ends and text before the references that is
/// wider in UTF-8 than in UTF-16 (é, ✨, 🔁).
fn live_text() -> String {
    [
        "# Rejeu des événements ✨",
        "",
        "## Action Steps",
        "",
        "### Action 1: Rejouer 🔁 (REVERSIBLE)",
        "",
        "**Preconditions**: événements en échec",
        "- **KEY**: `node-stripe-webhook-replay`",
        "- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`",
        "",
        "**Execution**:",
        "```ts",
        "import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';",
        "await replayFailedWebhooks({ dryRun: true });",
        "```",
        "",
    ]
    .join("\r\n")
}

fn start(workspace: &TempWorkspace, utf8: bool) -> LspClient {
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        position_encodings: if utf8 { vec!["utf-8", "utf-16"] } else { vec!["utf-16"] },
        extra_capabilities: json!({
            "textDocument": {
                "definition": { "linkSupport": true },
                "rename": { "prepareSupport": true },
            },
            "workspace": {
                "workspaceEdit": { "documentChanges": true, "resourceOperations": ["create", "rename", "delete"] },
                "fileOperations": { "willRename": true },
            },
        }),
        ..ClientOptions::default()
    });
    // The index is ready when its progress ends.
    client.wait_for_notification("$/progress", |params| params["value"]["kind"] == "end");
    client
}

/// The position of the `nth` occurrence of `needle` (plus `into` bytes) in `text`.
fn at(text: &str, needle: &str, nth: usize, into: usize, utf8: bool) -> Value {
    let offset = text.match_indices(needle).nth(nth).expect("the needle is there").0 + into;
    range(text, offset, offset, utf8)["start"].clone()
}

fn request_at(client: &mut LspClient, method: &str, uri: &str, position: Value, extra: Value) -> Result<Value, Value> {
    let mut params = json!({ "textDocument": { "uri": uri }, "position": position });
    runbook_ls_tests::merge_json(&mut params, &extra);
    client.request_raw(method, params)
}

fn relative(workspace: &TempWorkspace, uri: &str) -> String {
    let root = file_uri(&workspace.root);
    uri.strip_prefix(&root).unwrap_or(uri).to_string()
}

#[test]
fn definition_references_links_and_symbols_in_both_encodings() {
    for utf8 in [true, false] {
        let workspace = TempWorkspace::copy_of(&demo_dir());
        let text = live_text();
        workspace.write(LIVE, &text);
        let uri = workspace.uri(LIVE);
        let mut client = start(&workspace, utf8);
        client.open(&uri, &text);

        // Definition of the slug: the manifest's slug, from the slug's range.
        let slug = text.find("node-stripe-webhook-replay").unwrap();
        let links =
            request_at(&mut client, "textDocument/definition", &uri, at(&text, "`node-stripe", 0, 5, utf8), json!({}))
                .unwrap();
        let link = &links[0];
        assert_eq!(link["originSelectionRange"], range(&text, slug, slug + "node-stripe-webhook-replay".len(), utf8));
        assert_eq!(
            relative(&workspace, link["targetUri"].as_str().unwrap()),
            "/node-keys/stripe-webhook-replay/key.json"
        );
        let manifest = workspace.read("node-keys/stripe-webhook-replay/key.json");
        let manifest_slug = manifest.find("\"stripe-webhook-replay\"").unwrap() + 1;
        assert_eq!(link["targetSelectionRange"], range(&manifest, manifest_slug, manifest_slug + 21, utf8));

        // Definition of a call: its declaration, through the entry's re-export.
        let links = request_at(
            &mut client,
            "textDocument/definition",
            &uri,
            at(&text, "replayFailedWebhooks", 1, 3, utf8),
            json!({}),
        )
        .unwrap();
        assert_eq!(
            relative(&workspace, links[0]["targetUri"].as_str().unwrap()),
            "/node-keys/stripe-webhook-replay/src/handlers/replay.ts"
        );

        // References of the KEY: this runbook's slug, Location and specifier,
        // and those of broken.md (a Location and a specifier into its folder)
        // and clean.md, which are only on disk.
        let references = |client: &mut LspClient, text: &str| -> Vec<(String, Value)> {
            let found = request_at(
                client,
                "textDocument/references",
                &uri,
                at(text, "`node-stripe", 0, 3, utf8),
                json!({ "context": { "includeDeclaration": true } }),
            )
            .unwrap();
            found
                .as_array()
                .unwrap()
                .iter()
                .map(|location| (relative(&workspace, location["uri"].as_str().unwrap()), location["range"].clone()))
                .collect()
        };
        let found = references(&mut client, &text);
        let files: Vec<&str> = found.iter().map(|(file, _)| file.as_str()).collect();
        assert_eq!(
            files,
            [
                "/node-keys/stripe-webhook-replay/key.json",
                "/runbooks/broken.md",
                "/runbooks/broken.md",
                "/runbooks/clean.md",
                "/runbooks/clean.md",
                "/runbooks/clean.md",
                "/runbooks/clean.md",
                "/runbooks/live.md",
                "/runbooks/live.md",
                "/runbooks/live.md",
            ],
            "{found:#?}"
        );
        let clean = workspace.read("runbooks/clean.md");
        let in_clean = clean.find("`node-stripe-webhook-replay` to count").unwrap() + 1;
        assert_eq!(found[3].1, range(&clean, in_clean, in_clean + 26, utf8));
        let location = text.find("/node-keys/stripe-webhook-replay/src/index.ts").unwrap();
        assert!(found.iter().any(|(_, range_found)| *range_found == range(&text, location, location + 45, utf8)));

        // Unsaved changes count: the editor's text, not the disk's.
        let line_end = text.find("\r\n\r\n**Execution**").unwrap();
        let added = "\r\nAlso see `node-stripe-webhook-replay`.";
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "range": range(&text, line_end, line_end, utf8), "text": added }],
            }),
        );
        let edited = format!("{}{added}{}", &text[..line_end], &text[line_end..]);
        let found = references(&mut client, &edited);
        assert_eq!(found.iter().filter(|(file, _)| file == "/runbooks/live.md").count(), 4, "{found:#?}");
        let also = edited.find("Also see `").unwrap() + "Also see `".len();
        assert!(found.iter().any(|(_, found)| *found == range(&edited, also, also + 26, utf8)), "{found:#?}");

        // Document links: the Location and the specifier, to the entry.
        let links = client.request("textDocument/documentLink", json!({ "textDocument": { "uri": uri } }));
        let targets: Vec<String> = links
            .as_array()
            .unwrap()
            .iter()
            .map(|link| relative(&workspace, link["target"].as_str().unwrap()))
            .collect();
        assert_eq!(
            targets,
            ["/node-keys/stripe-webhook-replay/src/index.ts", "/node-keys/stripe-webhook-replay/src/index.ts"]
        );
        let specifier = edited.find("@/node-keys/stripe-webhook-replay/src").unwrap();
        assert_eq!(links[1]["range"], range(&edited, specifier, specifier + 37, utf8));

        // Workspace symbols: KEYs, exports and Actions, with their places.
        let symbols = client.request("workspace/symbol", json!({ "query": "replay" }));
        let names: Vec<&str> =
            symbols.as_array().unwrap().iter().map(|symbol| symbol["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"node-stripe-webhook-replay"), "{names:?}");
        assert!(names.contains(&"replayFailedWebhooks"), "{names:?}");
        assert!(names.iter().any(|name| name.starts_with("Action 2: Replay Failed Webhook Events")), "{names:?}");

        // Highlights: the three uses of the KEY in this runbook and the new one.
        let highlights = request_at(
            &mut client,
            "textDocument/documentHighlight",
            &uri,
            at(&edited, "Also see `", 0, 12, utf8),
            json!({}),
        )
        .unwrap();
        assert_eq!(highlights.as_array().unwrap().len(), 4, "{highlights:#}");
        assert!(client.shutdown().success());
    }
}

/// Applies a workspace edit the way an editor does: text edits (to the open
/// document's text when the file is open, then saved), then file renames.
fn apply_workspace_edit(workspace: &TempWorkspace, edit: &Value, open: &mut [(&str, &mut String)], utf8: bool) {
    for operation in edit["documentChanges"].as_array().expect("documentChanges") {
        if operation["kind"] == "rename" {
            let from = path_of(operation["oldUri"].as_str().unwrap());
            let to = path_of(operation["newUri"].as_str().unwrap());
            assert!(!to.exists(), "the rename must not overwrite {}", to.display());
            std::fs::rename(&from, &to).unwrap();
            continue;
        }
        let uri = operation["textDocument"]["uri"].as_str().unwrap();
        let edits = operation["edits"].as_array().unwrap();
        match open.iter_mut().find(|(open_uri, _)| *open_uri == uri) {
            Some((_, text)) => {
                assert!(operation["textDocument"]["version"].is_number(), "an open document's edit is versioned");
                **text = apply_edits(text, edits, utf8);
                std::fs::write(path_of(uri), text.as_bytes()).unwrap();
            }
            None => {
                let path = path_of(uri);
                let before = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, apply_edits(&before, edits, utf8)).unwrap();
            }
        }
    }
    let _ = workspace;
}

fn path_of(uri: &str) -> std::path::PathBuf {
    let path = uri.strip_prefix("file://").unwrap();
    let mut decoded = Vec::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            decoded.push(u8::from_str_radix(&path[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    std::path::PathBuf::from(String::from_utf8(decoded).unwrap())
}

/// `(code, path)` of the errors and warnings `runbook-ls check` reports that
/// a wrong reference would cause.
fn reference_findings(root: &Path) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = check_findings(root, &[])
        .iter()
        .filter(|finding| {
            ["unknown-key", "unresolved-import", "location-mismatch", "unknown-export", "pack-reference-mismatch"]
                .contains(&finding["code"].as_str().unwrap())
        })
        .map(|finding| (finding["code"].as_str().unwrap().to_string(), finding["path"].as_str().unwrap().to_string()))
        .collect();
    found.sort();
    found
}

#[test]
fn rename_a_key_then_check_finds_nothing_new() {
    for utf8 in [true, false] {
        let workspace = TempWorkspace::copy_of(&demo_dir());
        let mut text = live_text();
        workspace.write(LIVE, &text);
        let before = reference_findings(&workspace.root);
        let uri = workspace.uri(LIVE);
        let mut client = start(&workspace, utf8);
        client.open(&uri, &text);

        // Anything defined in code is refused, saying where it is defined.
        let refused = request_at(
            &mut client,
            "textDocument/prepareRename",
            &uri,
            at(&text, "replayFailedWebhooks", 0, 2, utf8),
            json!({}),
        )
        .unwrap_err();
        assert!(refused["message"].as_str().unwrap().contains("is defined in TypeScript at /node-keys/"), "{refused}");
        let prepared = request_at(
            &mut client,
            "textDocument/prepareRename",
            &uri,
            at(&text, "`node-stripe", 0, 4, utf8),
            json!({}),
        )
        .unwrap();
        let slug = text.find("node-stripe-webhook-replay").unwrap();
        assert_eq!(prepared, range(&text, slug, slug + 26, utf8));
        let taken = request_at(
            &mut client,
            "textDocument/rename",
            &uri,
            at(&text, "`node-stripe", 0, 4, utf8),
            json!({ "newName": "node-webhook-monitoring" }),
        )
        .unwrap_err();
        assert!(taken["message"].as_str().unwrap().contains("already exists"), "{taken}");

        let edit = request_at(
            &mut client,
            "textDocument/rename",
            &uri,
            at(&text, "`node-stripe", 0, 4, utf8),
            json!({ "newName": "node-stripe-event-replay" }),
        )
        .unwrap();
        let operations = edit["documentChanges"].as_array().unwrap();
        assert_eq!(operations.last().unwrap()["kind"], "rename", "the folder is renamed after the text edits");
        apply_workspace_edit(&workspace, &edit, &mut [(uri.as_str(), &mut text)], utf8);
        assert!(text.contains("`node-stripe-event-replay`") && text.contains("@/node-keys/stripe-event-replay/src"));
        assert!(workspace.read("runbooks/clean.md").contains("`node-stripe-event-replay`"));
        assert!(workspace.read("node-keys/stripe-event-replay/key.json").contains("\"stripe-event-replay\""));
        assert_eq!(reference_findings(&workspace.root), before, "the rename broke or fixed a reference");
        assert!(client.shutdown().success());
    }
}

#[test]
fn renaming_a_key_folder_in_the_editor_keeps_references_right() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let before = reference_findings(&workspace.root);
    let mut client = start(&workspace, false);
    let edit = client.request(
        "workspace/willRenameFiles",
        json!({ "files": [{
            "oldUri": workspace.uri("node-keys/webhook-secret-update"),
            "newUri": workspace.uri("node-keys/webhook-secret-rotation"),
        }] }),
    );
    apply_workspace_edit(&workspace, &edit, &mut [], false);
    std::fs::rename(
        workspace.path("node-keys/webhook-secret-update"),
        workspace.path("node-keys/webhook-secret-rotation"),
    )
    .unwrap();
    let clean = workspace.read("runbooks/clean.md");
    assert!(clean.contains("/node-keys/webhook-secret-rotation/src/index.ts"), "{clean}");
    assert!(clean.contains("'@/node-keys/webhook-secret-rotation/src'"), "{clean}");
    // The KEY's slug comes from its manifest, so slug references stay.
    assert!(clean.contains("`node-webhook-secret-update`"), "{clean}");
    assert_eq!(reference_findings(&workspace.root), before);
    assert!(client.shutdown().success());
}
