//! End-to-end: changes that a client writes out of order are applied in
//! version order. Helix 25.01 sends every `didChange` from a task of its own;
//! the orders below are what it wrote while `abcdefghij` was typed into a KEY
//! slug of the demo runbook.

use std::time::Duration;

use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, demo_session};
use serde_json::{Value, json};

const RUNBOOK: &str = "runbooks/broken.md";
/// The KEY slug of the runbook that the letters are typed into, after `node-`.
const SLUG: &str = "`node-stripe-webhok-replay`";
/// What is typed: one letter per version.
const TYPED: &str = "abcdefghij";

/// A session on a copy of the demo workspace with its broken runbook open.
struct Typing {
    workspace: TempWorkspace,
    client: LspClient,
    uri: String,
    text: String,
    typed: &'static str,
    /// Where the letters go: just after `node-`.
    line: usize,
    character: usize,
    /// The version of every publication for the runbook, in order.
    published: Vec<i64>,
}

impl Typing {
    /// Opens the runbook at version 0, as Helix does, and waits for the KEY
    /// index, so that the unknown slug is reported.
    fn start() -> Typing {
        let (workspace, client) = demo_session();
        let uri = workspace.uri(RUNBOOK);
        let text = workspace.read(RUNBOOK);
        let slug = text.find(SLUG).expect("the demo runbook has the misspelt slug");
        let line = text[..slug].matches('\n').count();
        let character = slug - text[..slug].rfind('\n').map_or(0, |newline| newline + 1) + "`node-".len();
        let mut typing = Typing { workspace, client, uri, text, typed: TYPED, line, character, published: Vec::new() };
        typing.client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": typing.uri, "languageId": "markdown", "version": 0, "text": typing.text } }),
        );
        let uri = typing.uri.clone();
        typing.client.diagnostics_until(&uri, |diagnostics| unknown_slug(diagnostics).is_some());
        typing
    }

    /// The client's text once the first `n` letters are typed.
    fn client_text(&self, n: usize) -> String {
        self.text.replacen(SLUG, &SLUG.replacen("node-", &format!("node-{}", &self.typed[..n]), 1), 1)
    }

    /// The change to `version`: its letter, typed where the cursor was after
    /// the letters before it.
    fn type_letter(&mut self, version: usize) {
        let position = json!({ "line": self.line, "character": self.character + version - 1 });
        let letter = &self.typed[version - 1..version];
        self.change(version, json!([{ "range": { "start": position, "end": position }, "text": letter }]));
    }

    fn change(&mut self, version: usize, changes: Value) {
        self.client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": self.uri, "version": version }, "contentChanges": changes }),
        );
    }

    /// Waits for the diagnostics of `version` and returns the slug that
    /// `unknown-key` names in them: the server's text of the slug.
    fn slug_at(&mut self, version: i64) -> String {
        loop {
            let uri = self.uri.clone();
            let published = self.client.wait_for_notification_within(
                Duration::from_secs(10),
                "textDocument/publishDiagnostics",
                |params| params["uri"] == uri,
            );
            let published_version = published["version"].as_i64().expect("diagnostics of an open document");
            self.published.push(published_version);
            if published_version == version {
                let diagnostics = published["diagnostics"].as_array().cloned().unwrap_or_default();
                return unknown_slug(&diagnostics).unwrap_or_else(|| panic!("no unknown-key in {diagnostics:#?}"));
            }
        }
    }

    fn assert_versions_never_decrease(&self) {
        let published = &self.published;
        assert!(published.windows(2).all(|pair| pair[0] <= pair[1]), "published versions went back: {published:?}");
    }

    fn completion(&mut self) -> Value {
        let params = self.completion_params();
        self.client.request("textDocument/completion", params)
    }

    /// Completion at the end of the typed letters.
    fn completion_params(&self) -> Value {
        json!({
            "textDocument": { "uri": self.uri },
            "position": { "line": self.line, "character": self.character + self.typed.len() },
        })
    }
}

/// The slug of the first `unknown-key` diagnostic: its message quotes it.
fn unknown_slug(diagnostics: &[Value]) -> Option<String> {
    let message = diagnostics.iter().find(|diagnostic| diagnostic["code"] == "unknown-key")?["message"].as_str()?;
    Some(message.split('`').nth(1)?.to_string())
}

#[test]
fn orders_written_by_helix_are_applied_in_version_order() {
    for order in [[1, 2, 3, 6, 7, 8, 9, 4, 5, 10], [1, 2, 3, 4, 5, 6, 10, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 10, 9]] {
        let mut typing = Typing::start();
        for version in order {
            typing.type_letter(version);
        }
        assert_eq!(typing.slug_at(10), "node-abcdefghijstripe-webhok-replay", "typed in the order {order:?}");
        typing.assert_versions_never_decrease();
    }
}

#[test]
fn a_request_about_held_changes_is_answered_once_they_apply() {
    let mut typing = Typing::start();
    // Letters that make a prefix of a KEY, so that completion has something to say.
    typing.typed = "webhook-mo";
    for version in [1, 2, 3, 6, 7, 8, 9, 10] {
        typing.type_letter(version);
    }
    // Sent while 6 to 10 wait for 4 and 5: its position is in the text of version 10.
    let params = typing.completion_params();
    let request = typing.client.send_request("textDocument/completion", params);
    typing.type_letter(4);
    typing.type_letter(5);
    let answer = typing.client.response(request).expect("completion answers");

    let final_text = typing.client_text(typing.typed.len());
    let (fresh_client, _) =
        LspClient::start(ClientOptions { root: Some(typing.workspace.root.clone()), ..ClientOptions::default() });
    let mut fresh = Typing { client: fresh_client, published: Vec::new(), ..typing };
    fresh.client.open(&fresh.uri, &final_text);
    let uri = fresh.uri.clone();
    fresh.client.diagnostics_until(&uri, |diagnostics| unknown_slug(diagnostics).is_some());
    assert_eq!(answer, fresh.completion());
    assert_ne!(answer["items"], json!([]), "{answer:#}");
}

#[test]
fn a_lost_version_is_given_up_after_the_wait_and_a_late_one_is_rejected() {
    let mut typing = Typing::start();
    // 4 does not come: after the wait, 5 and 6 apply in version order
    // without it (the server's text is off by the lost letter).
    for version in [1, 2, 3, 6, 5] {
        typing.type_letter(version);
    }
    assert_eq!(typing.slug_at(6), "node-abcseftripe-webhok-replay");
    // 4 comes after all: too late, it is not applied (and the published
    // version does not go back to 4); the next change applies.
    typing.type_letter(4);
    typing.type_letter(7);
    assert_eq!(typing.slug_at(7), "node-abcsefgtripe-webhok-replay");
    // A full-text change puts the server back in step with the client.
    let text = typing.client_text(8);
    typing.change(8, json!([{ "text": text }]));
    assert_eq!(typing.slug_at(8), "node-abcdefghstripe-webhok-replay");
    typing.assert_versions_never_decrease();
}
