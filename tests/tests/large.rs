//! End-to-end: large documents. One above `max-document-bytes` gets one
//! finding and no analysis; one that takes long to check never holds back
//! another document's diagnostics.

use runbook_ls_tests::{ClientOptions, LspClient, TempWorkspace, check_findings, demo_dir, demo_session};
use serde_json::{Value, json};

/// The demo's broken runbook repeated to at least `size` bytes.
fn runbook_of_size(workspace: &TempWorkspace, size: usize) -> String {
    let unit = workspace.read("runbooks/broken.md");
    unit.repeat(size.div_ceil(unit.len()))
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap_or_default()).collect()
}

#[test]
fn a_document_above_the_size_limit_gets_one_finding_and_no_analysis() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let (mut client, _) = LspClient::start(ClientOptions {
        root: Some(workspace.root.clone()),
        initialization_options: json!({ "max-document-bytes": 20_000 }),
        ..ClientOptions::default()
    });
    let uri = workspace.uri("runbooks/big.md");
    let text = runbook_of_size(&workspace, 30_000);
    client.open(&uri, &text);
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(codes(&diagnostics), ["file-too-large"], "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["severity"], 3, "information");
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("max-document-bytes"));
    let slug = text.find("node-").unwrap();
    let line = text[..slug].matches('\n').count();
    let character = slug - text[..slug].rfind('\n').map_or(0, |at| at + 1);
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
    );
    assert_eq!(hover, Value::Null);

    // Typing in it changes nothing but the version.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 3, "character": 0 }, "end": { "line": 3, "character": 0 } }, "text": "x" }],
        }),
    );
    assert_eq!(codes(&client.diagnostics(&uri, 2)), ["file-too-large"]);

    // Back under the limit, it is analysed as usual.
    let small = workspace.read("runbooks/broken.md");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": small }] }),
    );
    let diagnostics = client.diagnostics(&uri, 3);
    assert!(!diagnostics.is_empty() && !codes(&diagnostics).contains(&"file-too-large"), "{diagnostics:#?}");
}

/// Before, one task checked every document in turn: a small document opened
/// after a big one waited for the big one's check (a minute for 5 MB).
#[test]
fn a_slow_document_does_not_delay_the_diagnostics_of_another() {
    let (workspace, mut client) = demo_session();
    let big = workspace.uri("runbooks/big.md");
    let small = workspace.uri("runbooks/broken.md");
    // Seconds to check, under the default size limit.
    client.open(&big, &runbook_of_size(&workspace, 3_000_000));
    client.open(&small, &workspace.read("runbooks/broken.md"));
    let diagnostics = client.diagnostics(&small, 1);
    assert!(!diagnostics.is_empty());
    let big_published = client.notifications.iter().any(|notification| {
        notification["method"] == "textDocument/publishDiagnostics" && notification["params"]["uri"] == big
    });
    assert!(!big_published, "the small document's diagnostics waited for the big one's");
}

/// Keystrokes that land while the previous version is being parsed (an edit
/// of a large document takes tens of milliseconds): each version's parse
/// chains from the last one, taking over its model when nothing else holds
/// it. Whatever the interleaving, the diagnostics the server settles on are
/// those `runbook-ls check` gives the final text. A real Neovim typing 150
/// keystrokes, one every 10 ms, into a 1 MB runbook found the same.
#[test]
fn typing_during_parses_ends_with_the_findings_of_check() {
    let (workspace, mut client) = demo_session();
    let uri = workspace.uri("runbooks/typed.md");
    let mut text = runbook_of_size(&workspace, 500_000);
    client.open(&uri, &text);
    client.diagnostics(&uri, 1);

    let n_lines = text.lines().count();
    let places = [n_lines / 3, n_lines / 2, 2 * n_lines / 3];
    let typed = ['x', '#', ' ', '*', '`'];
    for version in 2..92_i64 {
        let line = places[(version as usize / 30) % places.len()];
        let line_start = text.split_inclusive('\n').take(line).map(str::len).sum::<usize>();
        let character = text[line_start..].find('\n').unwrap_or(text.len() - line_start).min(2);
        let letter = typed[version as usize % typed.len()];
        text.insert(line_start + character, letter);
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": line, "character": character }, "end": { "line": line, "character": character } },
                    "text": letter.to_string(),
                }],
            }),
        );
        if version % 3 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(4));
        }
    }

    workspace.write("runbooks/typed-check.md", &text);
    let findings = check_findings(&workspace.root, &["runbooks/typed-check.md"]);
    let key = |code: &str, line: u64, character: u64, end_line: u64, end_character: u64| {
        format!("{code} {line}:{character}-{end_line}:{end_character}")
    };
    let mut expected: Vec<String> = findings
        .iter()
        .map(|finding| {
            let at = |name: &str| finding[name].as_u64().expect("a position") - 1;
            key(finding["code"].as_str().unwrap(), at("line"), at("column"), at("end_line"), at("end_column"))
        })
        .collect();
    expected.sort();
    assert!(expected.len() > 1_000, "{} findings", expected.len());
    let published = |diagnostics: &[Value]| {
        let mut published: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| {
                let range = &diagnostic["range"];
                let at = |end: &str, part: &str| range[end][part].as_u64().expect("a position");
                key(
                    diagnostic["code"].as_str().unwrap_or_default(),
                    at("start", "line"),
                    at("start", "character"),
                    at("end", "line"),
                    at("end", "character"),
                )
            })
            .collect();
        published.sort();
        published
    };
    let last = client.diagnostics(&uri, 91);
    // The index may still be building: its findings then come with a later publication.
    if published(&last) != expected {
        client.diagnostics_until(&uri, |diagnostics| published(diagnostics) == expected);
    }
}

/// A paragraph of emphasis runs that never close: with tree-sitter-md's
/// inline grammar reading all of it, the server took 9 s to open 64 KB of it
/// and publish once after one keystroke (`check` took 32 s and 6.9 GB). At
/// 64 KB it is read by the inline scanner now, a shorter one without its
/// emphasis (the syntax crate's `*_parse_in_linear_time` tests guard both
/// costs), and every KEY reference in it is still checked, after an edit too.
#[test]
fn a_paragraph_flooded_with_emphasis_is_checked_and_edited() {
    let (workspace, mut client) = demo_session();
    let uri = workspace.uri("runbooks/flood.md");
    let unit = "*a _b `node-flooded-key` **d** ";
    let n_units = 64_000 / unit.len();
    let text = workspace.read("runbooks/broken.md") + "\n" + &unit.repeat(n_units) + "\n";
    let unknown = |diagnostics: &[Value]| {
        let flooded = diagnostics.iter().filter(|diagnostic| {
            diagnostic["code"] == "unknown-key" && diagnostic["message"].as_str().unwrap().contains("node-flooded-key")
        });
        flooded.count()
    };
    client.open(&uri, &text);
    // The first publication may come before the KEY index is ready.
    client.diagnostics_until(&uri, |diagnostics| unknown(diagnostics) == n_units);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "x" }],
        }),
    );
    assert_eq!(unknown(&client.diagnostics(&uri, 2)), n_units);
}
