//! End-to-end: what `runbook-ls check` gives CI services beyond text, JSON
//! and SARIF: annotation formats, fingerprints that survive edits above a
//! finding, baselines, and checking only what a change affects.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use runbook_ls_tests::{TempWorkspace, demo_dir, server_binary};
use serde_json::Value;

fn check(args: &[&str], cwd: &Path) -> Output {
    Command::new(server_binary()).arg("check").args(args).current_dir(cwd).output().expect("runbook-ls runs")
}

fn stdout(args: &[&str], cwd: &Path) -> String {
    let output = check(args, cwd);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 errors")
}

#[test]
fn github_output_on_the_demo() {
    expect_test::expect_file!["snapshots/demo.github"].assert_eq(&stdout(&["--format", "github"], &demo_dir()));
}

/// The runner reads `%`-escapes in the message and in properties, where `,`
/// and `:` also end a value: a file named `odd, 100%: name.md` must arrive
/// whole, and a `%` in a message must not start an escape.
#[test]
fn github_output_escapes_what_the_runner_would_read() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    workspace.write("notes/odd, 100%: name.md", "# Odd\n\nUses `node-0dd`.\n");
    workspace.write("node-keys/odd/key.json", r#"{ "slug": "odd", "side_effects": "50% of rows" }"#);
    expect_test::expect![[r#"
        ::error file=node-keys/odd/key.json,line=1,col=34,endLine=1,endColumn=47,title=invalid-key-manifest::`side_effects` must be a list of strings, found a string (write ["50%25 of rows"])
        ::error file=notes/odd%2C 100%25%3A name.md,line=3,col=7,endLine=3,endColumn=15,title=unknown-key::no KEY is named `node-0dd`
    "#]]
    .assert_eq(&stdout(&["--format", "github", "notes", "node-keys/odd"], &workspace.root));
}

#[test]
fn gitlab_output_on_the_demo() {
    let gitlab = stdout(&["--format", "gitlab"], &demo_dir());
    let issues: Value = serde_json::from_str(&gitlab).unwrap();
    // GitLab keys its merge-request widget on the fingerprint: one per issue.
    let mut fingerprints: Vec<&str> =
        issues.as_array().unwrap().iter().map(|issue| issue["fingerprint"].as_str().unwrap()).collect();
    let n = fingerprints.len();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), n, "fingerprints are unique");
    expect_test::expect_file!["snapshots/demo.gitlab.json"].assert_eq(&gitlab);
}

#[test]
fn junit_output_on_the_demo() {
    let demo = demo_dir();
    expect_test::expect_file!["snapshots/demo.junit.xml"].assert_eq(&stdout(&["--format", "junit"], &demo));
    // Without findings the report still says the check ran.
    expect_test::expect![[r#"
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="runbook-ls" tests="1" failures="0">
          <testsuite name="runbook-ls check" tests="1" failures="0">
            <testcase name="no findings" classname="runbook-ls"/>
          </testsuite>
        </testsuites>
    "#]]
    .assert_eq(&stdout(&["--format", "junit", "runbooks/clean.md"], &demo));
}

/// `(ruleId, line, fingerprint)` of every SARIF result.
fn sarif_results(cwd: &Path) -> Vec<(String, u64, String)> {
    let sarif: Value = serde_json::from_str(&stdout(&["--format", "sarif"], cwd)).unwrap();
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap().to_string(),
                result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                result["partialFingerprints"]["runbookLs/v1"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Code-scanning services match alerts by `partialFingerprints`: an edit
/// above a finding moves its line, not its fingerprint, so no alert is
/// closed and opened again.
#[test]
fn sarif_fingerprints_stay_when_lines_above_move() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let before = sarif_results(&workspace.root);
    assert!(before.len() > 20, "{before:?}");
    let broken = workspace.read("runbooks/broken.md");
    let (title, rest) = broken.split_once('\n').unwrap();
    workspace.write(
        "runbooks/broken.md",
        &format!("{title}\n\nA new paragraph,\nover three lines,\nabove every finding.\n{rest}"),
    );
    let after = sarif_results(&workspace.root);
    assert_eq!(after.len(), before.len());
    for ((rule, line, fingerprint), (rule_after, line_after, fingerprint_after)) in before.iter().zip(&after) {
        assert_eq!((rule, fingerprint), (rule_after, fingerprint_after));
        // Findings on the title stay; the others move down by the four new lines.
        assert!(*line_after == *line || *line_after == line + 4, "{rule}: {line} -> {line_after}");
    }
    assert!(before.iter().zip(&after).any(|(before, after)| before.1 != after.1), "lines moved");
    // Editing the text a finding points at makes it another finding.
    workspace.write("runbooks/broken.md", &broken.replace("`node-stripe-webhok-replay`", "`node-stripe-webhk-replay`"));
    let edited = sarif_results(&workspace.root);
    let unknown_key = |results: &[(String, u64, String)]| {
        results.iter().find(|(rule, _, _)| rule == "unknown-key").map(|(_, _, fingerprint)| fingerprint.clone())
    };
    assert_ne!(unknown_key(&edited), unknown_key(&before));
}

#[test]
fn a_baseline_hides_known_findings_and_counts_the_fixed_ones() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let write = check(&["--write-baseline", "runbook-ls-baseline.json"], &workspace.root);
    assert_eq!(write.status.code(), Some(0), "{write:?}");
    assert!(write.stdout.is_empty());
    expect_test::expect![[r#"
        runbook-ls: wrote 23 findings to the baseline runbook-ls-baseline.json
    "#]]
    .assert_eq(&stderr(&write));
    let baseline: Value = serde_json::from_str(&workspace.read("runbook-ls-baseline.json")).unwrap();
    expect_test::expect![[r#"
        {
          "code": "missing-section",
          "fingerprint": "FINGERPRINT",
          "line": 1,
          "message": "this runbook has no `## When to Use This Runbook` section (it comes after Scope)",
          "path": "runbooks/broken.md"
        }"#]]
    .assert_eq(&{
        let mut first = baseline["findings"][0].clone();
        first["fingerprint"] = "FINGERPRINT".into();
        serde_json::to_string_pretty(&first).unwrap()
    });

    // Nothing new: nothing printed, exit 0 although the findings include errors.
    let same = check(&["--baseline", "runbook-ls-baseline.json"], &workspace.root);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    assert!(same.stdout.is_empty(), "{same:?}");
    expect_test::expect![[r#"
        runbook-ls: 0 findings not in the baseline; 23 in the baseline (not shown); 0 baseline entries fixed
    "#]]
    .assert_eq(&stderr(&same));

    // Lines inserted above, one finding fixed (the KEY typo), one added.
    let broken = workspace.read("runbooks/broken.md");
    let (title, rest) = broken.split_once('\n').unwrap();
    let edited = format!("{title}\n\nNew text above.\n{rest}\nSee also `node-no-such-key`.\n")
        .replace("`node-stripe-webhok-replay`", "`node-stripe-webhook-replay`");
    workspace.write("runbooks/broken.md", &edited);
    let output = check(&["--baseline", "runbook-ls-baseline.json"], &workspace.root);
    assert_eq!(output.status.code(), Some(1), "the new finding is an error: {output:?}");
    expect_test::expect![[r#"
        runbooks/broken.md:85:11: error[unknown-key] no KEY is named `node-no-such-key`
    "#]]
    .assert_eq(&String::from_utf8(output.stdout.clone()).unwrap());
    expect_test::expect![[r#"
        runbook-ls: 1 finding not in the baseline; 22 in the baseline (not shown); 1 baseline entry fixed
    "#]]
    .assert_eq(&stderr(&output));

    // Checking only what a change affects: entries of files not checked are
    // not counted as fixed.
    let affected =
        check(&["--baseline", "runbook-ls-baseline.json", "--affected-by", "runbooks/clean.md"], &workspace.root);
    assert_eq!(affected.status.code(), Some(0), "{affected:?}");
    expect_test::expect![[r#"
        runbook-ls: 1 changed file affects 1 runbook
        runbook-ls: 0 findings not in the baseline; 0 in the baseline (not shown); 0 baseline entries fixed
    "#]]
    .assert_eq(&stderr(&affected));

    // Other formats are filtered the same way.
    let json: Value =
        serde_json::from_str(&stdout(&["--baseline", "runbook-ls-baseline.json", "--format", "json"], &workspace.root))
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");

    // A file that is not a baseline stops the run with a one-line reason.
    workspace.write("not-a-baseline.json", "[]");
    let bad = check(&["--baseline", "not-a-baseline.json"], &workspace.root);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let message = stderr(&bad);
    assert!(message.starts_with("runbook-ls: not-a-baseline.json is not a runbook-ls baseline"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

/// `(path, code)` of the JSON findings.
/// `--cache` keeps what the CI formats and the baseline match on: a warm run
/// (every finding from the cache) prints the same fingerprints, snippets and
/// annotations as a run without it, and a baseline filters it the same way.
/// It refuses the options it does not serve (fixes, affected runbooks).
#[test]
fn cached_findings_keep_their_fingerprints_for_every_format() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let root = &workspace.root;
    for format in ["sarif", "gitlab", "github", "junit", "json", "text"] {
        let uncached = stdout(&["--format", format], root);
        assert_eq!(stdout(&["--format", format, "--cache"], root), uncached, "{format}, the run that fills the cache");
        assert_eq!(stdout(&["--format", format, "--cache"], root), uncached, "{format}, from the cache");
    }
    let write = check(&["--write-baseline", "baseline.json", "--cache"], root);
    assert_eq!(write.status.code(), Some(0), "{write:?}");
    let broken = workspace.read("runbooks/broken.md");
    workspace.write("runbooks/broken.md", &format!("{broken}\nSee also `node-no-such-key`.\n"));
    let output = check(&["--baseline", "baseline.json", "--cache"], root);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(output.stdout, check(&["--baseline", "baseline.json"], root).stdout);
    assert!(String::from_utf8_lossy(&output.stdout).contains("unknown-key] no KEY is named `node-no-such-key`"));

    for refused in
        [&["--cache", "--fix"][..], &["--cache", "--diff"], &["--cache", "--affected-by", "runbooks/broken.md"]]
    {
        assert_eq!(check(refused, root).status.code(), Some(2), "{refused:?}");
    }
}

fn paths_and_codes(output: &Output) -> Vec<String> {
    let findings: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let mut found: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| format!("{} {}", finding["path"].as_str().unwrap(), finding["code"].as_str().unwrap()))
        .collect();
    found.dedup();
    found
}

/// A pull request that renames an export of a KEY fails on the runbooks
/// that import it, and checks nothing else.
#[test]
fn affected_by_checks_the_runbooks_a_renamed_export_breaks() {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    workspace.write(
        "runbooks/unrelated.md",
        "# Monitoring\n\n**KEY**: `node-webhook-monitoring`\n\nAlso `node-not-a-key`, an error of its own.\n",
    );
    let index = "node-keys/webhook-secret-update/src/index.ts";
    workspace.write(index, &workspace.read(index).replace("updateWebhookSecret", "rotateWebhookSecret"));

    let output = check(&["--format", "json", "--affected-by", index], &workspace.root);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let found = paths_and_codes(&output);
    assert!(found.contains(&"runbooks/clean.md unknown-export".to_string()), "{found:#?}");
    assert!(found.iter().all(|finding| !finding.starts_with("runbooks/unrelated.md")), "{found:#?}");
    expect_test::expect![[r#"
        runbook-ls: 1 changed file affects 2 runbooks
    "#]]
    .assert_eq(&stderr(&output));
    // Only clean.md's new finding is new to it.
    let clean: Vec<&String> = found.iter().filter(|finding| finding.starts_with("runbooks/clean.md")).collect();
    assert_eq!(clean, ["runbooks/clean.md unknown-export"]);

    // The same, with the changed files on standard input as `git diff
    // --name-only` prints them; a changed runbook is checked itself.
    let mut child = Command::new(server_binary())
        .args(["check", "--format", "json", "--stdin-paths"])
        .current_dir(&workspace.root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runbook-ls runs");
    child.stdin.take().unwrap().write_all(format!("{index}\nrunbooks/unrelated.md\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(paths_and_codes(&output).contains(&"runbooks/unrelated.md unknown-key".to_string()));
    expect_test::expect![[r#"
        runbook-ls: 2 changed files affect 3 runbooks
    "#]]
    .assert_eq(&stderr(&output));

    // A change no runbook depends on checks nothing and passes.
    workspace.write("docs/notes.txt", "unrelated\n");
    let output = check(&["--affected-by", "docs/notes.txt"], &workspace.root);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    expect_test::expect![[r#"
        runbook-ls: 1 changed file affects 0 runbooks
    "#]]
    .assert_eq(&stderr(&output));
}

#[test]
fn version() {
    let output = Command::new(server_binary()).arg("--version").output().expect("runbook-ls runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("runbook-ls {}\n", env!("CARGO_PKG_VERSION")));
}
