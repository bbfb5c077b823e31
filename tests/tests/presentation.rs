//! End-to-end: semantic tokens (full, range, delta), folding ranges, inlay
//! hints and code lenses on the demo workspace over stdio, with multi-byte
//! text before the tokens, under both position encodings; and deltas that
//! stay exact over 500 random edits.

use runbook_ls_tests::text::{Rng, offset, position, range};
use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_dir};
use serde_json::{Value, json};

const RUNBOOK: &str = "runbooks/presentation.md";

fn runbook_text() -> String {
    [
        "# Webhooks 🔁 Runbook",
        "",
        "## Diagnosis Flow",
        "",
        "### Step 1: Logs 日志",
        "",
        "## Action Steps",
        "",
        "### Action 1: Replay 🔁 Events (SAFE)",
        "",
        "**Preconditions**: Événements — identified",
        "",
        "- **KEY**: `node-stripe-webhook-replay` 🔁 `node-stripe-webhok-replay`",
        "- **Side Effects**:",
        "  - Replays webhook events",
        "",
        "**Execution**:",
        "```typescript",
        "import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';",
        "",
        "await replayFailedWebhooks({ dryRun: true });",
        "```",
        "",
        "**Safety**: SAFE — ✅ reads only",
        "",
    ]
    .join("\n")
}

/// The demo workspace with the runbook open and the KEY index built.
fn start(workspace: &TempWorkspace, utf8: bool, extra_capabilities: Value) -> LspClient {
    let position_encodings = if utf8 { vec!["utf-8", "utf-16"] } else { vec!["utf-16"] };
    let (mut client, initialized) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        position_encodings,
        extra_capabilities,
        ..ClientOptions::default()
    });
    let capabilities = &initialized["capabilities"];
    let provider = &capabilities["semanticTokensProvider"];
    assert_eq!(provider["full"], json!({ "delta": true }));
    assert_eq!(provider["range"], true);
    assert_eq!(
        provider["legend"]["tokenTypes"],
        json!([
            "namespace",
            "function",
            "class",
            "variable",
            "type",
            "interface",
            "enum",
            "enumMember",
            "property",
            "action",
            "step"
        ])
    );
    assert_eq!(
        provider["legend"]["tokenModifiers"],
        json!(["declaration", "unknown", "safe", "reversible", "irreversible"])
    );
    assert_eq!(capabilities["foldingRangeProvider"], true);
    assert_eq!(capabilities["inlayHintProvider"], true);
    assert_eq!(capabilities["codeLensProvider"], json!({ "resolveProvider": false }));
    let uri = workspace.uri(RUNBOOK);
    client.open(&uri, &workspace.read(RUNBOOK));
    client.diagnostics_until(&uri, |found| found.iter().any(|diagnostic| diagnostic["code"] == "unknown-key"));
    client
}

/// Decodes LSP's relative encoding into `(text, type, modifiers)`, checking
/// that every token lies within one line of `text`.
fn decode(text: &str, data: &[Value], legend: &Value, utf8: bool) -> Vec<(String, String, Vec<String>)> {
    let types = legend["tokenTypes"].as_array().unwrap();
    let modifiers = legend["tokenModifiers"].as_array().unwrap();
    let numbers: Vec<usize> = data.iter().map(|n| n.as_u64().unwrap() as usize).collect();
    assert_eq!(numbers.len() % 5, 0);
    let (mut line, mut character) = (0, 0);
    let mut tokens = Vec::new();
    for token in numbers.chunks(5) {
        if token[0] > 0 {
            line += token[0];
            character = token[1];
        } else {
            character += token[1];
        }
        let start = offset(text, &json!({ "line": line, "character": character }), utf8);
        let end = offset(text, &json!({ "line": line, "character": character + token[2] }), utf8);
        assert_eq!(position(text, end, utf8)["character"], character + token[2], "a token ends past its line");
        let names: Vec<String> = (0..modifiers.len())
            .filter(|bit| token[4] & (1 << bit) != 0)
            .map(|bit| modifiers[bit].as_str().unwrap().to_string())
            .collect();
        tokens.push((text[start..end].to_string(), types[token[3]].as_str().unwrap().to_string(), names));
    }
    tokens
}

fn render(tokens: &[(String, String, Vec<String>)]) -> Vec<String> {
    tokens.iter().map(|(text, kind, modifiers)| format!("{text} {kind} {}", modifiers.join(","))).collect()
}

fn check_presentation(utf8: bool) {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, utf8, Value::Null);
    let legend = json!({
        "tokenTypes": ["namespace", "function", "class", "variable", "type", "interface", "enum", "enumMember", "property", "action", "step"],
        "tokenModifiers": ["declaration", "unknown", "safe", "reversible", "irreversible"],
    });
    let document = json!({ "textDocument": { "uri": uri } });

    let full = client.request("textDocument/semanticTokens/full", document.clone());
    let tokens = decode(&text, full["data"].as_array().unwrap(), &legend, utf8);
    assert_eq!(
        render(&tokens),
        [
            "Step 1: Logs 日志 step declaration",
            "Action 1: Replay 🔁 Events ( action declaration,safe",
            "SAFE enumMember safe",
            ") action declaration,safe",
            "Preconditions property ",
            "KEY property ",
            "node-stripe-webhook-replay namespace reversible",
            "node-stripe-webhok-replay namespace unknown",
            "Side Effects property ",
            "Execution property ",
            "replayFailedWebhooks function reversible",
            "@/node-keys/stripe-webhook-replay/src namespace reversible",
            "replayFailedWebhooks function reversible",
            "Safety property ",
            "SAFE enumMember safe",
        ]
    );
    assert!(full["resultId"].is_string());

    // The range of the KEY line: its tokens only.
    let key_line = text.find("- **KEY**").unwrap();
    let key_line_end = key_line + text[key_line..].find('\n').unwrap();
    let ranged = client.request(
        "textDocument/semanticTokens/range",
        json!({ "textDocument": { "uri": uri }, "range": range(&text, key_line, key_line_end, utf8) }),
    );
    assert_eq!(
        render(&decode(&text, ranged["data"].as_array().unwrap(), &legend, utf8)),
        [
            "KEY property ",
            "node-stripe-webhook-replay namespace reversible",
            "node-stripe-webhok-replay namespace unknown"
        ]
    );

    // A delta after an edit that fixes the misspelt slug, after the emoji on its line.
    let typo = text.find("webhok").unwrap() + "webho".len();
    let edited = format!("{}o{}", &text[..typo], &text[typo..]);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": range(&text, typo, typo, utf8), "text": "o" }],
        }),
    );
    let delta = client.request(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": uri }, "previousResultId": full["resultId"] }),
    );
    let edits = delta["edits"].as_array().expect("a delta");
    assert_eq!(edits.len(), 1, "{delta:#}");
    let mut data: Vec<Value> = full["data"].as_array().unwrap().clone();
    apply(&mut data, edits);
    let tokens = decode(&edited, &data, &legend, utf8);
    assert_eq!(render(&tokens)[7], "node-stripe-webhook-replay namespace reversible");

    // Folding: the sections, the Action's fields with lists, the code block.
    let folds = client.request("textDocument/foldingRange", document.clone());
    let lines: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|fold| (fold["startLine"].as_u64().unwrap(), fold["endLine"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [(0, 23), (2, 4), (6, 23), (8, 23), (13, 14), (16, 21), (17, 21)]);

    // Inlay hints after the first reference to the KEY, after the emoji of its line.
    let whole = json!({ "textDocument": { "uri": uri }, "range": range(&edited, 0, edited.len(), utf8) });
    let hints = client.request("textDocument/inlayHint", whole);
    let after_slug = edited.find("node-stripe-webhook-replay`").unwrap() + "node-stripe-webhook-replay`".len();
    // One hint of several parts (each with its tooltip), so that clients space them.
    let hints = hints.as_array().unwrap();
    assert_eq!(hints.len(), 1, "{hints:#?}");
    assert_eq!(hints[0]["position"], position(&edited, after_slug, utf8));
    let parts = hints[0]["label"].as_array().unwrap();
    let label: String = parts.iter().map(|part| part["value"].as_str().unwrap()).collect();
    assert_eq!(label, "declares REVERSIBLE · 3 side effects not listed");
    assert_eq!(parts[0]["tooltip"]["kind"], "markdown");
    let tooltip = parts[2]["tooltip"]["value"].as_str().unwrap();
    assert!(tooltip.contains("- Sends an email notification on completion"), "{tooltip}");

    // Code lenses on the Action heading: the KEY's class, and the other runbooks using it.
    let lenses = client.request("textDocument/codeLens", document);
    let lenses = lenses.as_array().unwrap();
    let heading = edited.find("Action 1:").unwrap();
    let titles: Vec<&str> = lenses.iter().map(|lens| lens["command"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["node-stripe-webhook-replay · REVERSIBLE", "used by 2 other runbooks"]);
    for lens in lenses {
        assert_eq!(lens["range"]["start"], position(&edited, heading, utf8));
        assert_eq!(lens["command"]["command"], "runbook-ls.findReferences");
        assert_eq!(lens["command"]["arguments"][0], uri);
    }
    let used_in: Vec<&str> = lenses[1]["command"]["arguments"][2]
        .as_array()
        .unwrap()
        .iter()
        .map(|location| location["uri"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        used_in,
        ["broken.md", "clean.md", "clean.md", "clean.md", "presentation.md", "presentation.md", "presentation.md"]
    );

    assert!(client.shutdown().success());
}

/// Applies semantic token edits to a client's copy, as LSP says.
fn apply(data: &mut Vec<Value>, edits: &[Value]) {
    let mut edits: Vec<&Value> = edits.iter().collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit["start"].as_u64().unwrap()));
    for edit in edits {
        let start = edit["start"].as_u64().unwrap() as usize;
        let end = start + edit["deleteCount"].as_u64().unwrap() as usize;
        let inserted = edit["data"].as_array().cloned().unwrap_or_default();
        data.splice(start..end, inserted);
    }
}

#[test]
fn presentation_under_utf16() {
    check_presentation(false);
}

#[test]
fn presentation_under_utf8() {
    check_presentation(true);
}

/// What random typing inserts: markdown that makes and breaks tokens, and
/// text of every UTF-8 and UTF-16 width.
const TYPED: &[&str] = &[
    "e",
    " ",
    "`",
    "node-",
    "stripe-webhook-replay",
    "*",
    "**",
    ":",
    "(",
    ")",
    "SAFE",
    "IRREVERSIBLE",
    "\n",
    "- ",
    "### Action 9: ",
    "é",
    "漢",
    "😀",
    "\r\n",
    "KEY",
    "'",
    "import { x } from '@/node-keys/webhook-monitoring/src';",
];

fn check_deltas_stay_exact(utf8: bool, seed: u64) {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let mut text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let mut client = start(&workspace, utf8, Value::Null);
    let full = |client: &mut LspClient| {
        client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }))
    };
    let first = full(&mut client);
    let mut data: Vec<Value> = first["data"].as_array().unwrap().clone();
    let mut result_id = first["resultId"].as_str().unwrap().to_string();
    let mut rng = Rng::new(seed);
    let mut n_deltas = 0;
    for version in 2..502 {
        let start = outside_crlf(&text, rng.boundary(&text));
        let (end, insert) = if rng.below(3) == 0 {
            // Delete up to a few characters.
            let mut end = start;
            for _ in 0..=rng.below(4) {
                end += text[end..].chars().next().map_or(0, char::len_utf8);
            }
            (outside_crlf(&text, end), "")
        } else {
            (start, TYPED[rng.below(TYPED.len())])
        };
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": range(&text, start, end, utf8), "text": insert }],
            }),
        );
        text.replace_range(start..end, insert);
        let answer = client.request(
            "textDocument/semanticTokens/full/delta",
            json!({ "textDocument": { "uri": uri }, "previousResultId": result_id }),
        );
        result_id = answer["resultId"].as_str().unwrap().to_string();
        match answer.get("edits") {
            Some(edits) => {
                apply(&mut data, edits.as_array().unwrap());
                n_deltas += 1;
            }
            None => data = answer["data"].as_array().unwrap().clone(),
        }
        if version % 50 == 1 {
            let fresh = full(&mut client);
            assert_eq!(data, fresh["data"].as_array().unwrap().clone(), "after edit {version} (seed {seed})");
            result_id = fresh["resultId"].as_str().unwrap().to_string();
            // Every token decodes to text on one line of the client's copy.
            decode(&text, &data, &fresh_legend(), utf8);
        }
    }
    let fresh = full(&mut client);
    assert_eq!(data, fresh["data"].as_array().unwrap().clone(), "after 500 edits (seed {seed})");
    assert!(n_deltas >= 490, "the server answered with deltas ({n_deltas} of 500)");
    assert!(client.shutdown().success());
}

/// An offset moved out of the middle of a CRLF, which no LSP position names.
fn outside_crlf(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    if offset > 0 && bytes.get(offset - 1) == Some(&b'\r') && bytes.get(offset) == Some(&b'\n') {
        offset + 1
    } else {
        offset
    }
}

fn fresh_legend() -> Value {
    json!({
        "tokenTypes": ["namespace", "function", "class", "variable", "type", "interface", "enum", "enumMember", "property", "action", "step"],
        "tokenModifiers": ["declaration", "unknown", "safe", "reversible", "irreversible"],
    })
}

#[test]
fn deltas_stay_exact_over_random_edits_under_utf16() {
    check_deltas_stay_exact(false, 11);
}

#[test]
fn deltas_stay_exact_over_random_edits_under_utf8() {
    check_deltas_stay_exact(true, 12);
}
