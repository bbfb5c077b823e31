//! End-to-end: the built server over stdio, as an editor drives it.
//! Document sync, exact diagnostic ranges in both position encodings,
//! ordering under bursts of changes, and survival of malformed input.

use runbook_ls_tests::text::{Rng, position, range};
use runbook_ls_tests::{ClientOptions, LspClient, workspace_dir};
use serde_json::{Value, json};

const URI: &str = "file:///tmp/runbook-ls-e2e/runbook.md";

fn client(utf8: bool) -> LspClient {
    let encodings = if utf8 { vec!["utf-8", "utf-16"] } else { vec!["utf-16"] };
    let (client, result) =
        LspClient::start(ClientOptions { position_encodings: encodings, ..ClientOptions::default() });
    let expected = if utf8 { "utf-8" } else { "utf-16" };
    assert_eq!(result["capabilities"]["positionEncoding"], expected);
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    client
}

fn find_diagnostic<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn diagnostics_have_exact_ranges_in_both_encodings() {
    for line_break in ["\n", "\r\n"] {
        let text = [
            "# Réplay 😀 runbook",
            "",
            "### Action 1: Réplay 😀 漢字 e\u{301}vents (REVERSABLE)",
            "",
            "**Precondition**: 👩‍👩‍👧 queue stalled",
            "",
            "### Action 2: Purge 😀 (IRREVERSIBLE)",
            "",
            "**Precondition**: 漢字",
            "**Safety**: REVERSIBLE",
            "**Rollback**: none",
        ]
        .join(line_break);
        for utf8 in [false, true] {
            let mut client = client(utf8);
            client.open(URI, &text);
            let diagnostics = client.diagnostics(URI, 1);

            let typo = text.find("REVERSABLE").unwrap();
            let unknown = find_diagnostic(&diagnostics, "unknown-safety-class");
            assert_eq!(unknown["range"], range(&text, typo, typo + "REVERSABLE".len(), utf8));
            assert_eq!(unknown["severity"], 1);
            assert_eq!(unknown["source"], "runbook-ls");

            let heading_start = text.find("Action 2").unwrap();
            let heading_end = text.find("(IRREVERSIBLE)").unwrap() + "(IRREVERSIBLE)".len();
            let warning = find_diagnostic(&diagnostics, "irreversible-without-warning");
            assert_eq!(warning["range"], range(&text, heading_start, heading_end, utf8));
            assert_eq!(warning["severity"], 2);

            let field = text.rfind("REVERSIBLE").unwrap();
            let mismatch = find_diagnostic(&diagnostics, "safety-mismatch");
            assert_eq!(mismatch["range"], range(&text, field, field + "REVERSIBLE".len(), utf8));
            let heading_word = text.find("IRREVERSIBLE").unwrap();
            let related = &mismatch["relatedInformation"][0];
            assert_eq!(related["location"]["uri"], URI);
            assert_eq!(
                related["location"]["range"],
                range(&text, heading_word, heading_word + "IRREVERSIBLE".len(), utf8)
            );
            assert!(client.shutdown().success());
        }
    }
}

const SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    "\r\n",
    "😀",
    "漢字",
    "e\u{301}",
    "`node-stripe-webhook-replay`",
    "### Action 9: New (SAFE)\n",
    "**Rollback**: undo\n",
    "**Safety**: IRREVERSABLE\n",
    "```ts\nimport { a } from '@/node-keys/x/src';\n```\n",
    "- ",
    "**",
    "(",
    ")",
    "## Step 4: Look\n",
    "<!-- runbook-ls-disable-next-line missing-safety -->\n",
];

/// Applies 500 random edits one by one, then checks that the server's view
/// equals a fresh session opened with the final text.
fn random_edits(utf8: bool, seed: u64) {
    let base = std::fs::read_to_string(
        workspace_dir().join("tests/corpus/keys-repo/runbook-keys/stripe-webhook-failure/README.md"),
    )
    .unwrap();
    let mut text = base.clone();
    let mut rng = Rng::new(seed);
    let mut edited = client(utf8);
    edited.open(URI, &text);
    let mut version = 1;
    for _ in 0..500 {
        let start = rng.boundary(&text);
        let mut end = start;
        if rng.below(3) == 0 {
            end = (start + rng.below(40)).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
        }
        let insert = if rng.below(4) == 0 { "" } else { SNIPPETS[rng.below(SNIPPETS.len())] };
        if start == end && insert.is_empty() {
            continue;
        }
        version += 1;
        let change_range = range(&text, start, end, utf8);
        edited.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": version },
                "contentChanges": [{ "range": change_range, "text": insert }],
            }),
        );
        text.replace_range(start..end, insert);
    }
    let symbols = edited.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let diagnostics = edited.diagnostics(URI, version);

    let mut fresh = client(utf8);
    fresh.open(URI, &text);
    let fresh_symbols = fresh.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let fresh_diagnostics = fresh.diagnostics(URI, 1);
    assert_eq!(symbols, fresh_symbols);
    assert_eq!(diagnostics, fresh_diagnostics);
    assert_ne!(text, base);
}

#[test]
fn random_incremental_edits_match_a_fresh_session_utf16() {
    random_edits(false, 0x5eed_0001);
}

#[test]
fn random_incremental_edits_match_a_fresh_session_utf8() {
    random_edits(true, 0x5eed_0002);
}

#[test]
fn a_burst_of_changes_is_applied_in_order() {
    let mut client = client(false);
    client.open(URI, "# Title\n\n### Action 1: Go (SAFE)\n");
    let n = 2000;
    for i in 0..n {
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": i + 2 },
                "contentChanges": [{ "range": { "start": { "line": 0, "character": 7 + i }, "end": { "line": 0, "character": 7 + i } }, "text": (b'a' + (i % 26) as u8) as char }],
            }),
        );
    }
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let expected: String = "Title".chars().chain((0..n).map(|i| (b'a' + (i % 26) as u8) as char)).collect();
    assert_eq!(symbols[0]["name"], expected);
    let diagnostics = client.diagnostics(URI, i64::from(n) + 1);
    assert_eq!(find_diagnostic(&diagnostics, "missing-precondition")["range"]["start"]["line"], 2);
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn malformed_input_keeps_the_server_alive() {
    let mut client = client(false);
    let text = "# T\n\n### Action 1: Go\n";
    client.open(URI, text);
    client.diagnostics(URI, 1);

    // Bodies that are not JSON-RPC are dropped.
    client.send_raw(&frame("{not json"));
    client.send_raw(&frame(r#"{"jsonrpc":"1.0","id":99,"method":"x"}"#));
    client.send_raw(&frame("[1, 2, 3]"));
    // A client that split an emoji across two changes: a lone surrogate escape.
    let change = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{URI}","version":2}},"contentChanges":[{{"range":{{"start":{{"line":0,"character":3}},"end":{{"line":0,"character":3}}}},"text":"\ud83d"}}]}}}}"#
    );
    client.send_raw(&frame(&change));
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    assert_eq!(symbols[0]["name"], "T\u{fffd}");

    // Positions past the end of a line and of the document are clamped.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": URI, "version": 3 },
            "contentChanges": [
                { "range": { "start": { "line": 0, "character": 999 }, "end": { "line": 0, "character": 999 } }, "text": "!" },
                { "range": { "start": { "line": 99, "character": 0 }, "end": { "line": 120, "character": 5 } }, "text": "**Precondition**: ok\n" },
            ],
        }),
    );
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    assert_eq!(symbols[0]["name"], "T\u{fffd}!");
    let diagnostics = client.diagnostics(URI, 3);
    assert!(diagnostics.iter().all(|diagnostic| diagnostic["code"] != "missing-precondition"), "{diagnostics:#?}");

    // Unknown methods, unopened documents and bad params get answers, not a crash.
    let unknown = client.request_raw("runbook/unknownMethod", json!({})).unwrap_err();
    assert_eq!(unknown["code"], -32601);
    let unopened =
        client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": "file:///nowhere.md" } }));
    assert_eq!(unopened, Value::Null);
    let bad_params = client.request_raw("textDocument/documentSymbol", json!({ "nope": 1 })).unwrap_err();
    assert_eq!(bad_params["code"], -32602);
    client.notify("textDocument/didChange", json!({ "garbage": true }));
    client.notify("textDocument/didOpen", json!({ "textDocument": { "uri": 5 } }));

    assert!(client.is_alive());
    let position = position(text, 0, false);
    assert_eq!(position["line"], 0);
    assert!(client.shutdown().success());
}
