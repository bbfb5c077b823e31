//! End-to-end: `runbook-ls report` writes the audit inventory, and says in
//! one line when it cannot.

use std::path::Path;
use std::process::{Command, Output};

use runbook_ls_tests::{TempWorkspace, server_binary, workspace_dir};
use serde_json::Value;

fn report(args: &[&str], cwd: &Path) -> Output {
    Command::new(server_binary()).arg("report").args(args).current_dir(cwd).output().expect("runbook-ls runs")
}

#[test]
fn html_to_a_file_and_json_to_stdout() {
    let workspace = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/demo"));
    let output = report(&["--output", "report.html"], &workspace.root);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let page = std::fs::read_to_string(workspace.path("report.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<title>Runbook audit report: "), "{page}");

    let output = report(&["--format", "json", "runbooks"], &workspace.root);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    assert_eq!(json["summary"]["n_runbooks"], 2, "{json}");
    assert_eq!(json["summary"]["n_actions"], 8, "{json}");
    let paths: Vec<&str> = json["runbooks"].as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["runbooks/broken.md", "runbooks/clean.md"]);
}

#[test]
fn an_unreadable_runbook_is_a_finding_of_the_report() {
    let workspace = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/demo"));
    std::fs::write(workspace.path("runbooks/latin1.md"), b"# Notes\n\nCaf\xe9\n").unwrap();
    let output = report(&["--format", "json"], &workspace.root);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let other = json["other_findings"].as_array().unwrap();
    assert!(
        other.iter().any(|finding| finding["path"] == "runbooks/latin1.md" && finding["code"] == "unreadable-file"),
        "{other:?}"
    );
}

#[test]
fn what_it_cannot_do_it_says_in_one_line() {
    let root = workspace_dir();
    let demo = root.join("tests/fixtures/demo");
    for (args, says) in [
        (&["no/such/path"][..], "cannot read"),
        (&["tests/fixtures/demo", "tests/corpus/keys-repo"], "2 workspaces"),
        (&["--format", "xml", "tests/fixtures/demo"], "xml"),
        (&["tests/fixtures/demo", "--output", "no/such/folder/report.html"], "cannot write the report"),
    ] {
        let output = report(args, &root);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("runbook-ls: ") && stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line, got {stderr}");
    }
    assert!(!demo.join("report.html").exists());
}
