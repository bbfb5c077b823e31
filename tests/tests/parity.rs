//! The server and `runbook-ls check` report the same findings for the same
//! workspace: one engine, two front ends.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use runbook_ls_tests::{ClientOptions, LspClient, check_findings, file_uri, workspace_dir};
use serde_json::Value;

/// `path:line:column-end_line:end_column severity code message`, 1-based, columns in characters.
fn key(path: &str, range: [u64; 4], severity: &str, code: &str, message: &str) -> String {
    format!("{path}:{}:{}-{}:{} {severity} {code} {message}", range[0], range[1], range[2], range[3])
}

fn cli_findings(root: &Path) -> Vec<String> {
    let mut keys: Vec<String> = check_findings(root, &[])
        .iter()
        .map(|finding| {
            let number = |field: &str| finding[field].as_u64().unwrap();
            key(
                finding["path"].as_str().unwrap(),
                [number("line"), number("column"), number("end_line"), number("end_column")],
                finding["severity"].as_str().unwrap(),
                finding["code"].as_str().unwrap(),
                finding["message"].as_str().unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn markdown_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "md") {
            out.push(path);
        }
    }
}

/// A UTF-16 column of a line as a 1-based character column.
fn char_column(text: &str, line: u64, utf16: u64) -> u64 {
    let line_text = text.split('\n').nth(line as usize).unwrap_or_default();
    let mut units = 0;
    let mut chars = 0;
    for c in line_text.chars() {
        if units >= utf16 {
            break;
        }
        units += c.len_utf16() as u64;
        chars += 1;
    }
    chars + 1
}

fn server_findings(root: &Path) -> Vec<String> {
    let (mut client, _) =
        LspClient::start(ClientOptions { root: Some(root.to_path_buf()), ..ClientOptions::default() });
    client.wait_for_notification("$/progress", |params| params["value"]["kind"] == "end");
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    for file in &files {
        client.open(&file_uri(file), &std::fs::read_to_string(file).unwrap());
    }
    // Collect the latest publication per document until every open one has
    // been published, plus what was published for other files (config, manifests).
    let mut latest: BTreeMap<String, Value> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while files.iter().any(|file| !latest.contains_key(&file_uri(file))) {
        assert!(Instant::now() < deadline, "not every document was published");
        let published = client.wait_for_notification("textDocument/publishDiagnostics", |_| true);
        latest.insert(published["uri"].as_str().unwrap().to_string(), published["diagnostics"].clone());
    }
    for notification in std::mem::take(&mut client.notifications) {
        if notification["method"] == "textDocument/publishDiagnostics" {
            let params = &notification["params"];
            latest.entry(params["uri"].as_str().unwrap().to_string()).or_insert_with(|| params["diagnostics"].clone());
        }
    }
    let root_uri = format!("{}/", file_uri(root));
    let mut keys = Vec::new();
    for (uri, diagnostics) in latest {
        let relative = uri.strip_prefix(&root_uri).unwrap().to_string();
        let text = std::fs::read_to_string(root.join(&relative)).unwrap();
        for diagnostic in diagnostics.as_array().unwrap() {
            let position = |end: &str| {
                let line = diagnostic["range"][end]["line"].as_u64().unwrap();
                let character = diagnostic["range"][end]["character"].as_u64().unwrap();
                [line + 1, char_column(&text, line, character)]
            };
            let [line, column] = position("start");
            let [end_line, end_column] = position("end");
            let severity = ["", "error", "warning", "info", "hint"][diagnostic["severity"].as_u64().unwrap() as usize];
            keys.push(key(
                &relative,
                [line, column, end_line, end_column],
                severity,
                diagnostic["code"].as_str().unwrap(),
                diagnostic["message"].as_str().unwrap(),
            ));
        }
    }
    keys.sort();
    assert!(client.shutdown().success());
    keys
}

#[test]
fn server_and_cli_agree() {
    for workspace in ["tests/fixtures/demo", "tests/fixtures/overrides", "tests/corpus/keys-repo"] {
        let root = workspace_dir().join(workspace).canonicalize().unwrap();
        let cli = cli_findings(&root);
        assert!(!cli.is_empty(), "{workspace} has findings");
        assert_eq!(server_findings(&root), cli, "{workspace}");
    }
}
