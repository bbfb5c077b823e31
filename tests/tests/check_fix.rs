//! End-to-end: `runbook-ls check --fix` and `--diff` on a copy of the demo
//! workspace.

use std::path::Path;
use std::process::{Command, Output};

use runbook_ls_tests::{TempWorkspace, demo_dir, server_binary};

fn check(args: &[&str], cwd: &Path) -> Output {
    Command::new(server_binary()).arg("check").args(args).current_dir(cwd).output().expect("runbook-ls runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Every file of the workspace, by path, with its text.
fn files(workspace: &TempWorkspace) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut folders = vec![workspace.root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(&workspace.root).unwrap().display().to_string();
                found.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let before = files(&workspace);
    let output = check(&["--diff"], &workspace.root);
    // An unknown export with two candidates remains: an error.
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    expect_test::expect_file!["snapshots/demo.diff"].assert_eq(&text(&output.stdout));
    assert_eq!(text(&output.stderr), "runbook-ls: 4 fixes would change 1 file; 19 findings would remain\n");
    assert_eq!(files(&workspace), before);
}

#[test]
fn fix_writes_the_fixed_files_and_prints_what_remains() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let before = files(&workspace);
    let diff = text(&check(&["--diff"], &workspace.root).stdout);
    let clean = workspace.path("runbooks/clean.md");
    let clean_modified = std::fs::metadata(&clean).unwrap().modified().unwrap();

    let output = check(&["--fix"], &workspace.root);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    expect_test::expect_file!["snapshots/demo.fix.stderr"].assert_eq(&text(&output.stderr));
    expect_test::expect_file!["snapshots/demo.fix.txt"].assert_eq(&text(&output.stdout));

    // Only broken.md changed, as the diff said; no temporary file is left.
    let after = files(&workspace);
    let changed: Vec<&str> = after
        .iter()
        .zip(&before)
        .filter(|(after, before)| after != before)
        .map(|(after, _)| after.0.as_str())
        .collect();
    assert_eq!(changed, ["runbooks/broken.md"]);
    assert_eq!(after.len(), before.len(), "{after:?}");
    assert_eq!(std::fs::metadata(&clean).unwrap().modified().unwrap(), clean_modified, "clean.md was written");
    let broken = workspace.read("runbooks/broken.md");
    for line in diff.lines().filter(|line| line.starts_with('+') && !line.starts_with("+++")) {
        assert!(broken.contains(&line[1..]), "{line} is not in the fixed file");
    }

    // The remaining findings are those of a plain check of the fixed files;
    // fixing again changes nothing.
    let plain = check(&[], &workspace.root);
    assert_eq!(text(&plain.stdout), text(&output.stdout));
    let again = check(&["--fix", "--format", "json"], &workspace.root);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(text(&again.stderr), "runbook-ls: 0 fixes changed 0 files; 19 findings remain\n");
    assert!(text(&again.stdout).starts_with('['), "JSON findings on stdout");
    assert_eq!(files(&workspace), after);
}

#[test]
fn fix_keeps_crlf_and_edits_pack_json() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    workspace.write(
        "runbooks/webhooks/README.md",
        "# Webhooks\r\n\r\nUses `node-stripe-webhok-replay` and `node-webhook-monitoring`.\r\n",
    );
    workspace.write(
        "runbooks/webhooks/pack.json",
        "{\r\n  \"references_node_keys\": [\r\n    \"node-event-purge\"\r\n  ]\r\n}\r\n",
    );
    let output = check(&["--fix", "runbooks/webhooks"], &workspace.root);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        workspace.read("runbooks/webhooks/README.md"),
        "# Webhooks\r\n\r\nUses `node-stripe-webhook-replay` and `node-webhook-monitoring`.\r\n"
    );
    // The KEY known from the start is listed in the first pass, the
    // corrected one in the second.
    assert_eq!(
        workspace.read("runbooks/webhooks/pack.json"),
        "{\r\n  \"references_node_keys\": [\r\n    \"node-webhook-monitoring\",\r\n    \"node-stripe-webhook-replay\"\r\n  ]\r\n}\r\n"
    );
    // The other runbooks were not asked about, and are untouched.
    assert_eq!(
        workspace.read("runbooks/broken.md"),
        std::fs::read_to_string(demo_dir().join("runbooks/broken.md")).unwrap()
    );
}
