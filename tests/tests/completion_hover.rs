//! End-to-end: completion, completionItem/resolve and hover on the demo
//! workspace over stdio, with multi-byte text before the cursor, under both
//! position encodings.

use runbook_ls_tests::text::range;
use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_dir};
use serde_json::{Value, json};

const RUNBOOK: &str = "runbooks/typing.md";

/// A runbook mid-edit: a slug being typed after emoji and umlauts, an
/// export name being typed in an import, and a finished Action to hover.
fn runbook_text() -> String {
    [
        "# Rückspiel 🔁 der Webhooks",
        "",
        "Misspelt on purpose, so that the index announces itself: `node-stripe-webhok-replay`.",
        "",
        "### Action 1: Ereignisse 🔁 wiederholen (REVERSIBLE)",
        "",
        "**Precondition**: Fehlgeschlagene Ereignisse — gefunden",
        "- **KEY**: `node-stripe-webhook-replay`",
        "- **Side Effects**: replays",
        "",
        "**Execution**:",
        "```typescript",
        "import { replayFailedWebhooks, countF } from '@/node-keys/stripe-webhook-replay/src';",
        "",
        "const résultat = await replayFailedWebhooks({ dryRun: true });",
        "```",
        "",
        "### Act",
        "",
        "Nächster Schritt 🔁 — `node-stri",
    ]
    .join("\n")
}

/// The demo workspace with the runbook open and the KEY index built.
fn start(workspace: &TempWorkspace, utf8: bool) -> (LspClient, Value) {
    let position_encodings = if utf8 { vec!["utf-8", "utf-16"] } else { vec!["utf-16"] };
    let (mut client, initialized) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        position_encodings,
        ..ClientOptions::default()
    });
    let uri = workspace.uri(RUNBOOK);
    client.open(&uri, &runbook_text());
    client.diagnostics_until(&uri, |found| found.iter().any(|diagnostic| diagnostic["code"] == "unknown-key"));
    (client, initialized)
}

fn position_params(uri: &str, text: &str, offset: usize, utf8: bool) -> Value {
    json!({
        "textDocument": { "uri": uri },
        "position": runbook_ls_tests::text::position(text, offset, utf8),
    })
}

fn labels(items: &[Value]) -> Vec<&str> {
    items.iter().map(|item| item["label"].as_str().unwrap_or_default()).collect()
}

fn check_completion_and_hover(utf8: bool) {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let text = runbook_text();
    workspace.write(RUNBOOK, &text);
    let uri = workspace.uri(RUNBOOK);
    let (mut client, initialized) = start(&workspace, utf8);
    let capabilities = &initialized["capabilities"];
    assert_eq!(capabilities["positionEncoding"], if utf8 { "utf-8" } else { "utf-16" });
    assert_eq!(capabilities["completionProvider"]["resolveProvider"], true);
    assert_eq!(capabilities["completionProvider"]["triggerCharacters"], json!(["`", "{", "/", "(", "*", ",", " "]));
    assert_eq!(capabilities["hoverProvider"], true);

    // A slug prefix after an unclosed backtick, with emoji and umlauts before it.
    let slug_start = text.rfind("node-stri").unwrap();
    let cursor = text.len();
    let list = client.request("textDocument/completion", position_params(&uri, &text, cursor, utf8));
    let items = list["items"].as_array().expect("a completion list");
    assert_eq!(labels(items), ["node-stripe-webhook-replay"], "{list:#}");
    let item = &items[0];
    assert_eq!(item["textEdit"]["range"], range(&text, slug_start, cursor, utf8));
    assert_eq!(item["textEdit"]["newText"], "node-stripe-webhook-replay`");
    assert_eq!(item["detail"], "Stripe Webhook Replay");
    assert_eq!(item["kind"], 9); // Module
    assert!(item.get("documentation").is_none(), "a KEY's documentation waits for resolve: {item:#}");
    let resolved = client.request("completionItem/resolve", item.clone());
    let documentation = resolved["documentation"]["value"].as_str().expect("resolved documentation");
    assert_eq!(resolved["documentation"]["kind"], "markdown");
    assert!(documentation.starts_with("**Stripe Webhook Replay** · `node-stripe-webhook-replay`"), "{documentation}");
    assert!(documentation.contains("- Sends an email notification on completion"), "{documentation}");

    // An export name inside the import braces: the rest of the KEY's callables, best first.
    let name_start = text.find("countF").unwrap();
    let name_end = name_start + "countF".len();
    let list = client.request("textDocument/completion", position_params(&uri, &text, name_end, utf8));
    let items = list["items"].as_array().expect("a completion list");
    assert_eq!(labels(items), ["countFailedWebhooks"], "{list:#}");
    assert_eq!(items[0]["textEdit"]["range"], range(&text, name_start, name_end, utf8));
    assert_eq!(items[0]["textEdit"]["newText"], "countFailedWebhooks");
    assert_eq!(items[0]["detail"], "export async function countFailedWebhooks(startTime: Date): Promise<number>");
    assert_eq!(items[0]["documentation"]["kind"], "markdown");

    // Hover on the call: the signature, the KEY's side effects and both safety classes.
    let call_start = text.find("replayFailedWebhooks({").unwrap();
    let call_end = call_start + "replayFailedWebhooks".len();
    let hover = client.request("textDocument/hover", position_params(&uri, &text, call_start + 3, utf8));
    assert_eq!(hover["range"], range(&text, call_start, call_end, utf8));
    assert_eq!(hover["contents"]["kind"], "markdown");
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("```typescript\nexport async function replayFailedWebhooks("), "{markdown}");
    assert!(markdown.contains("- Replays webhook events from Stripe"), "{markdown}");
    assert!(markdown.contains("the KEY declares **REVERSIBLE** (key.json); Action 1 is **REVERSIBLE**"), "{markdown}");

    // Hover on the KEY slug, after multi-byte text on earlier lines.
    let slug_start = text.find("node-stripe-webhook-replay`").unwrap();
    let slug_end = slug_start + "node-stripe-webhook-replay".len();
    let hover = client.request("textDocument/hover", position_params(&uri, &text, slug_end, utf8));
    assert_eq!(hover["range"], range(&text, slug_start, slug_end, utf8));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("**Side effects**:\n- Replays webhook events from Stripe"), "{markdown}");
    assert!(markdown.contains("**Required env**: `STRIPE_SECRET_KEY`, `DATABASE_URL`"), "{markdown}");

    // Hover on the safety word after the emoji of the heading.
    let word_start = text.find("REVERSIBLE)").unwrap();
    let hover = client.request("textDocument/hover", position_params(&uri, &text, word_start, utf8));
    assert_eq!(hover["range"], range(&text, word_start, word_start + "REVERSIBLE".len(), utf8));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("- Rollback procedure exists"));

    // A whole Action section on a heading being typed, as a snippet (the client expands snippets):
    // it replaces the heading's text and keeps the `#`s.
    let heading_start = text.find("### Act\n").unwrap() + "### ".len();
    let heading_end = heading_start + "Act".len();
    let list = client.request("textDocument/completion", position_params(&uri, &text, heading_end, utf8));
    let items = list["items"].as_array().expect("a completion list");
    let snippet =
        items.iter().find(|item| item["label"] == "Action 2: Stripe Webhook Replay (REVERSIBLE)").expect("{list:#}");
    assert_eq!(snippet["insertTextFormat"], 2);
    assert_eq!(snippet["textEdit"]["range"], range(&text, heading_start, heading_end, utf8));
    let new_text = snippet["textEdit"]["newText"].as_str().unwrap();
    assert!(new_text.starts_with("Action ${1:2}: ${2:Stripe Webhook Replay} (${3:REVERSIBLE})\n"), "{new_text}");
    assert!(new_text.contains("await replayFailedWebhooks({ dryRun: true \\});"), "{new_text}");

    // Nothing in prose, and a position past the end of the text is harmless.
    let prose = text.find("Fehlgeschlagene").unwrap();
    assert_eq!(client.request("textDocument/hover", position_params(&uri, &text, prose, utf8)), Value::Null);
    let past_end = json!({ "textDocument": { "uri": uri }, "position": { "line": 999, "character": 999 } });
    assert_eq!(client.request("textDocument/hover", past_end.clone()), Value::Null);
    let list = client.request("textDocument/completion", past_end);
    assert_eq!(labels(list["items"].as_array().unwrap()), ["node-stripe-webhook-replay"]);

    assert!(client.shutdown().success());
}

#[test]
fn completion_and_hover_under_utf16() {
    check_completion_and_hover(false);
}

#[test]
fn completion_and_hover_under_utf8() {
    check_completion_and_hover(true);
}

/// The codes of `diagnostics`, less one of each code in `before`.
fn codes_added(before: &[Value], after: &[Value]) -> Vec<String> {
    let mut added: Vec<String> =
        after.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap().to_string()).collect();
    for diagnostic in before {
        if let Some(at) = added.iter().position(|code| diagnostic["code"] == code.as_str()) {
            added.remove(at);
        }
    }
    added
}

/// Issue 12, bug 5: the whole-Action item on `### Act` leaves a classified
/// Action in the document, as a client without snippet support applies it
/// and as a client that ignores `textEdit` does (it inserts the label over
/// the word before the cursor, as Neovim's omnifunc does).
#[test]
fn action_section_item_inserts_a_classified_action_without_snippets() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let relative = "runbooks/new.md";
    let text = "# New\n\n## Action Steps\n\n### Act";
    workspace.write(relative, text);
    let uri = workspace.uri(relative);
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        snippet_support: false,
        ..ClientOptions::default()
    });
    client.open(&uri, text);
    let before = client.diagnostics(&uri, 1);
    let cursor = text.len();
    let heading_start = cursor - "Act".len();
    // The index builds in the background: ask until the KEYs are there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let item = loop {
        let list = client.request("textDocument/completion", position_params(&uri, text, cursor, false));
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if let Some(item) =
            items.into_iter().find(|item| item["detail"] == "Action section running node-stripe-webhook-replay")
        {
            break item;
        }
        assert!(std::time::Instant::now() < deadline, "no Action section items: {list:#}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(item["label"], "Action 1: Stripe Webhook Replay (REVERSIBLE)");
    assert_eq!(item["insertTextFormat"], 1, "{item:#}");
    assert!(item.get("filterText").is_none() && item.get("insertText").is_none(), "{item:#}");
    assert_eq!(item["textEdit"]["range"], range(text, heading_start, cursor, false));
    let new_text = item["textEdit"]["newText"].as_str().unwrap();
    assert!(new_text.starts_with("Action 1: Stripe Webhook Replay (REVERSIBLE)\n\n**Preconditions**:"), "{new_text}");

    let mut version = 1;
    let mut apply = |client: &mut LspClient, inserted: &str| {
        version += 1;
        let changed = format!("{}{inserted}", &text[..heading_start]);
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": changed }] }),
        );
        codes_added(&before, &client.diagnostics(&uri, version))
    };
    // The plain text is a whole Action with nothing left to fix.
    assert_eq!(apply(&mut client, new_text), Vec::<String>::new());
    // The label alone is a classified heading; only the body is still to write.
    assert_eq!(apply(&mut client, item["label"].as_str().unwrap()), ["missing-precondition", "missing-rollback"]);
    assert!(client.shutdown().success());
}

/// Helix 25.01's completion as the user types, from helix-term at tag 25.01
/// (`handlers/completion.rs`, `ui/completion.rs`, `ui/menu.rs`): it asks
/// after a trigger character (`TriggerCharacter`) or after two word
/// characters (`Invoked`, once `completion-timeout` has passed); while its
/// menu is open it asks nothing, not even on a trigger character, and
/// filters the items it has with the characters typed since (a fuzzy match
/// against `filterText`, else the label); it asks again only when nothing
/// matches any more. It ignores `isIncomplete`. Accepting an item undoes
/// what was typed since the request and applies the item's `textEdit`.
struct HelixCompletion {
    client: LspClient,
    uri: String,
    text: String,
    cursor: usize,
    version: i64,
    trigger_characters: Vec<String>,
    /// The `context` of every completion request sent, in order.
    requests: Vec<Value>,
    menu: Option<HelixMenu>,
}

struct HelixMenu {
    items: Vec<Value>,
    filter: String,
    /// The text and cursor when the items were asked for.
    savepoint: (String, usize),
}

/// `char_is_word` of helix-core.
fn helix_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `pattern` is a subsequence of `text`, ignoring case: when nucleo's
/// fuzzy atom (Helix's menu filter) matches at all.
fn fuzzy_matches(pattern: &str, text: &str) -> bool {
    let mut text = text.chars().flat_map(char::to_lowercase);
    pattern.chars().flat_map(char::to_lowercase).all(|wanted| text.any(|c| c == wanted))
}

impl HelixCompletion {
    fn type_text(&mut self, typed: &str) {
        for c in typed.chars() {
            let at = runbook_ls_tests::text::position(&self.text, self.cursor, false);
            self.text.insert(self.cursor, c);
            self.cursor += c.len_utf8();
            self.version += 1;
            self.client.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": { "uri": self.uri, "version": self.version },
                    "contentChanges": [{ "range": { "start": at, "end": at }, "text": c.to_string() }],
                }),
            );
            if let Some(menu) = &mut self.menu {
                menu.filter.push(c);
                let filter = menu.filter.clone();
                menu.items.retain(|item| {
                    let text = item.get("filterText").unwrap_or(&item["label"]).as_str().unwrap_or_default();
                    fuzzy_matches(&filter, text)
                });
                if !menu.items.is_empty() {
                    continue;
                }
                self.menu = None;
            }
            self.trigger_auto_completion();
        }
    }

    fn trigger_auto_completion(&mut self) {
        let before = &self.text[..self.cursor];
        let trigger = self.trigger_characters.iter().find(|trigger| before.ends_with(trigger.as_str()));
        let context = match trigger {
            Some(trigger) => json!({ "triggerKind": 2, "triggerCharacter": trigger }),
            None if before.chars().rev().take(2).all(helix_word_char) => json!({ "triggerKind": 1 }),
            None => return,
        };
        self.requests.push(context.clone());
        let list = self.client.request(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": self.uri },
                "position": runbook_ls_tests::text::position(&self.text, self.cursor, false),
                "context": context,
            }),
        );
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return;
        }
        let fragment: String = {
            let mut word: Vec<char> = before.chars().rev().take_while(|&c| helix_word_char(c)).collect();
            word.reverse();
            word.into_iter().collect()
        };
        self.menu = Some(HelixMenu { items, filter: fragment, savepoint: (self.text.clone(), self.cursor) });
    }

    fn menu_labels(&self) -> Vec<&str> {
        self.menu.as_ref().map_or_else(Vec::new, |menu| labels(&menu.items))
    }

    /// Accepts the menu item labelled `label` (ASCII text only).
    fn accept(&mut self, label: &str) {
        let menu = self.menu.take().expect("an open menu");
        let item = menu.items.iter().find(|item| item["label"] == label).expect("the item is in the menu");
        let (text, _) = menu.savepoint;
        let offset = |position: &Value| {
            let line = position["line"].as_u64().unwrap() as usize;
            let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
            line_start + position["character"].as_u64().unwrap() as usize
        };
        let edit = &item["textEdit"];
        let (start, end) = (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]));
        let new_text = edit["newText"].as_str().unwrap();
        self.text = format!("{}{new_text}{}", &text[..start], &text[end..]);
        self.cursor = start + new_text.len();
        self.version += 1;
        self.client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": self.uri, "version": self.version }, "contentChanges": [{ "text": self.text }] }),
        );
    }
}

/// Issue 12, bug 6: typing an import specifier in Helix 25.01 after `'@/`
/// refines one list: the KEYs' entry specifiers are in it from the start,
/// since Helix asks nothing more while its menu shows `@/node-keys/`.
#[test]
fn import_specifiers_refine_as_helix_types_on() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let relative = "runbooks/import.md";
    let text = "Wait for `node-stripe-webhok-replay`.\n\n```ts\nimport { replayFailedWebhooks } from '';\n```\n";
    workspace.write(relative, text);
    let uri = workspace.uri(relative);
    let (mut client, initialized) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        watch_files: false,
        workspace_configuration: false,
        ..ClientOptions::default()
    });
    client.open(&uri, text);
    client.diagnostics_until(&uri, |found| found.iter().any(|diagnostic| diagnostic["code"] == "unknown-key"));
    let trigger_characters = initialized["capabilities"]["completionProvider"]["triggerCharacters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|trigger| trigger.as_str().unwrap().to_string())
        .collect();
    let mut helix = HelixCompletion {
        client,
        uri: uri.clone(),
        text: text.to_string(),
        cursor: text.find("'';").unwrap() + 1,
        version: 1,
        trigger_characters,
        requests: Vec::new(),
        menu: None,
    };
    let specifiers = [
        "@/node-keys/stripe-webhook-replay/src",
        "@/node-keys/webhook-monitoring/src",
        "@/node-keys/webhook-secret-update/src",
    ];

    helix.type_text("@/");
    assert_eq!(helix.requests, [json!({ "triggerKind": 2, "triggerCharacter": "/" })]);
    let mut offered = vec!["@/node-keys/"];
    offered.extend(specifiers);
    assert_eq!(helix.menu_labels(), offered);

    // The root typed out: the menu stays open, so no request; the KEYs are still offered.
    helix.type_text("node-keys/");
    assert_eq!(helix.requests.len(), 1, "{:?}", helix.requests);
    assert_eq!(helix.menu_labels(), offered);

    helix.type_text("strip");
    assert_eq!(helix.requests.len(), 1, "{:?}", helix.requests);
    assert_eq!(helix.menu_labels(), ["@/node-keys/stripe-webhook-replay/src"]);

    helix.accept("@/node-keys/stripe-webhook-replay/src");
    assert!(helix.text.contains("from '@/node-keys/stripe-webhook-replay/src';"), "{}", helix.text);
    let version = helix.version;
    let found = helix.client.diagnostics(&uri, version);
    assert!(found.iter().all(|diagnostic| diagnostic["code"] != "unresolved-import"), "{found:#?}");
    assert!(helix.client.shutdown().success());
}
