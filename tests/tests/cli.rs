//! End-to-end: `runbook-ls check` as CI runs it.

use std::path::Path;
use std::process::{Command, Output};

use runbook_ls_tests::{TempWorkspace, check_findings, server_binary, workspace_dir};
use serde_json::Value;

fn check(args: &[&str], cwd: &Path) -> Output {
    Command::new(server_binary()).arg("check").args(args).current_dir(cwd).output().expect("runbook-ls runs")
}

fn json_findings(args: &[&str]) -> Vec<Value> {
    check_findings(&workspace_dir(), args)
}

/// Every import in the corpus runbooks that names a function its KEY does not
/// export, and every `node-…` KEY without a folder, checked by hand against
/// the corpus (`grep -n` of the runbooks and `ls node-keys`).
#[test]
fn corpus_defects_are_reported() {
    let findings = json_findings(&["tests/corpus/keys-repo"]);
    let mut found: Vec<String> = findings
        .iter()
        .filter(|finding| {
            matches!(finding["code"].as_str(), Some("unknown-export" | "unknown-key" | "unresolved-import"))
        })
        .map(|finding| {
            let path =
                finding["path"].as_str().unwrap().trim_start_matches("runbook-keys/").trim_end_matches("/README.md");
            format!("{path}:{} {}", finding["line"], finding["code"].as_str().unwrap())
        })
        .collect();
    found.sort();
    let mut expected = vec![
        // Imports of names the KEY does not export.
        "background-job-failure-replay:136 unknown-export", // replayFailedJobs (exports safeCronExecute)
        "data-reconciliation-mismatch:181 unknown-export",  // reconcileSubscriptions
        "data-reconciliation-mismatch:242 unknown-export",  // reconcileSubscriptionStatuses
        "data-reconciliation-mismatch:266 unknown-export",  // reconcileSubscriptionMetadata
        "supabase-rls-lockout-recovery:180 unknown-export", // updateRLSPolicies (exports createRLSPolicies)
        // Imports from KEY folders that do not exist.
        "ai-output-regression:174 unresolved-import",
        "partial-outage-dependency-failure:162 unresolved-import",
        "stripe-webhook-failure:283 unresolved-import",
        // `node-…` KEYs without a folder.
        "ai-output-regression:169 unknown-key",
        "ai-output-regression:270 unknown-key",
        "ai-output-regression:281 unknown-key",
        "partial-outage-dependency-failure:157 unknown-key",
        "partial-outage-dependency-failure:282 unknown-key",
        "partial-outage-dependency-failure:289 unknown-key",
        "partial-outage-dependency-failure:290 unknown-key",
        "stripe-webhook-failure:278 unknown-key",
        "stripe-webhook-failure:585 unknown-key",
        "stripe-webhook-failure:596 unknown-key",
        "stripe-webhook-failure:597 unknown-key",
        "stripe-webhook-failure:606 unknown-key",
        "stripe-webhook-failure:607 unknown-key",
        "stripe-webhook-failure:608 unknown-key",
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn exit_codes_and_bad_arguments() {
    let demo = workspace_dir().join("tests/fixtures/demo");
    assert_eq!(check(&["runbooks/clean.md"], &demo).status.code(), Some(0));
    assert_eq!(check(&["runbooks/broken.md"], &demo).status.code(), Some(1));
    for bad in [&["--format", "xml"][..], &["--config", "nope.toml"], &["--bogus"], &["--config"]] {
        let output = check(bad, &demo);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("runbook-ls: "), "{bad:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{bad:?}: one line, got {stderr}");
        assert!(output.stdout.is_empty(), "{bad:?}");
    }
}

/// One bad path or file never hides the findings of the others (exit 2 is
/// only for "could not run at all").
#[test]
fn unreadable_paths_and_files_are_findings_and_the_rest_is_checked() {
    let workspace = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/demo"));
    // Latin-1 "Café": the byte at offset 12 (`é`) is not UTF-8.
    std::fs::write(workspace.path("runbooks/latin1.md"), b"# Notes\n\nCaf\xe9 r\xe9seau\n").unwrap();
    let output = check(&["--format", "json", "no/such/path", "runbooks"], &workspace.root);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    let unreadable: Vec<(&str, &str)> = findings
        .iter()
        .filter(|finding| finding["code"] == "unreadable-file")
        .map(|finding| (finding["path"].as_str().unwrap(), finding["message"].as_str().unwrap()))
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:?}");
    let (_, latin1) = unreadable.iter().find(|(path, _)| *path == "runbooks/latin1.md").expect("reported");
    assert!(latin1.contains("offset 12"), "{latin1}");
    let (_, missing) = unreadable.iter().find(|(path, _)| path.ends_with("no/such/path")).expect("reported");
    assert!(missing.starts_with("cannot read"), "{missing}");
    // broken.md is still checked.
    assert!(findings.iter().any(|finding| finding["path"] == "runbooks/broken.md" && finding["code"] == "unknown-key"));
    // Alone, a missing path is an error finding, not a failure to run.
    let missing = check(&["no/such/path"], &workspace.root);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(String::from_utf8_lossy(&missing.stdout).contains("error[unreadable-file] cannot read"));
}

fn stdout(args: &[&str], cwd: &Path) -> String {
    let output = check(args, cwd);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// `--cache` records its walk of the workspace and checks the record instead
/// of walking again, so the record must notice whatever would change the
/// walk: a KEY folder added or removed, an ignore file added or edited in
/// place (same size), one above the workspace in its git repository, and
/// that repository going away. A warm run that changes nothing writes
/// nothing.
#[test]
fn check_cache_walks_again_when_the_tree_changes() {
    let outer = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/overrides"));
    // The workspace is `ws`, inside a git repository at the copy's root.
    let repo = outer.root.clone();
    let ws = repo.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    for entry in ["node-keys", "runbooks", "runbook-ls.toml"] {
        std::fs::rename(repo.join(entry), ws.join(entry)).unwrap();
    }
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let uncached = || stdout(&[], &ws);
    let cached = || stdout(&["--cache"], &ws);
    let cache_files = || -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
        let mut files: Vec<_> = std::fs::read_dir(ws.join(".runbook-ls-cache"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .map(|path| (path.clone(), std::fs::metadata(&path).unwrap().modified().unwrap()))
            .collect();
        files.sort();
        files
    };
    let poison = || poison_cache(&ws);

    assert_eq!(cached(), uncached());
    assert!(cache_files().iter().any(|(path, _)| path.extension().is_some_and(|e| e == "walk")), "{:?}", cache_files());
    poison();
    assert!(cached().contains("FROM CACHE"));
    let written = cache_files();
    assert!(cached().contains("FROM CACHE"));
    assert_eq!(cache_files(), written, "a warm run that changes nothing writes nothing");

    let write = |path: &Path, text: &str| std::fs::write(path, text).unwrap();
    let changes: [(&str, &dyn Fn()); 6] = [
        ("a KEY folder added", &|| {
            std::fs::create_dir_all(ws.join("node-keys/n0pe")).unwrap();
            write(&ws.join("node-keys/n0pe/key.json"), "{ \"slug\": \"n0pe\" }\n");
        }),
        ("a KEY folder removed", &|| std::fs::remove_dir_all(ws.join("node-keys/broken")).unwrap()),
        ("an ignore file added", &|| write(&ws.join("node-keys/.gitignore"), "noop/\n")),
        ("an ignore file edited in place", &|| write(&ws.join("node-keys/.gitignore"), "n0pe/\n")),
        ("an ignore file above the workspace", &|| write(&repo.join(".gitignore"), "ws/node-keys/noop/\n")),
        ("the repository gone", &|| std::fs::remove_dir_all(repo.join(".git")).unwrap()),
    ];
    assert_cache_follows(&ws, &changes);

    // A runbook edited in place: compared by content, it is checked again
    // without a walk (the record is not written again).
    let record = || cache_files().into_iter().find(|(path, _)| path.extension().is_some_and(|e| e == "walk")).unwrap();
    let recorded = record();
    let before = uncached();
    let text = std::fs::read_to_string(ws.join("runbooks/overrides.md")).unwrap();
    write(&ws.join("runbooks/overrides.md"), &text.replace("`node-n0pe`", "`node-n0pf`"));
    let after = uncached();
    assert_ne!(before, after);
    assert_eq!(cached(), after);
    assert_eq!(record(), recorded, "the walk record still stands after a runbook's edit");
}

#[test]
fn text_output_on_the_demo() {
    let demo = workspace_dir().join("tests/fixtures/demo");
    expect_test::expect_file!["snapshots/demo.txt"].assert_eq(&stdout(&[], &demo));
}

#[test]
fn json_output_on_the_demo() {
    let demo = workspace_dir().join("tests/fixtures/demo");
    expect_test::expect_file!["snapshots/demo.json"].assert_eq(&stdout(&["--format", "json"], &demo));
}

#[test]
fn sarif_output_on_the_demo_is_valid_sarif() {
    let demo = workspace_dir().join("tests/fixtures/demo");
    let sarif = stdout(&["--format", "sarif"], &demo);
    let value: Value = serde_json::from_str(&sarif).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_dir().join("tests/fixtures/sarif/sarif-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&value).map(|error| format!("{} at {}", error, error.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(value["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 21);
    // The workspace root is machine-specific; the rest is a snapshot.
    let root_uri = value["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap().to_string();
    assert!(root_uri.starts_with("file:///") && root_uri.ends_with("/tests/fixtures/demo/"), "{root_uri}");
    expect_test::expect_file!["snapshots/demo.sarif"].assert_eq(&sarif.replace(&root_uri, "file:///WORKSPACE/"));
}

#[test]
fn configured_levels_and_suppressions() {
    let overrides = workspace_dir().join("tests/fixtures/overrides");
    expect_test::expect![[r#"
        node-keys/broken/key.json:3:19: error[invalid-key-manifest] `side_effects` must be a list of strings, found a string (write ["deletes everything"])
        runbook-ls.toml:8:1: warning[invalid-config] unknown rule `hidden-executon` (did you mean `hidden-execution`?)
        runbooks/overrides.md:3:5: error[missing-precondition] Action 1 has no **Preconditions** field: say what must be true before it runs
        runbooks/overrides.md:3:5: hint[missing-rollback] Action 1 has no **Rollback** field, but it is REVERSIBLE: say how to undo it
        runbooks/overrides.md:12:5: warning[missing-side-effects] Action 3 runs a KEY but has no **Side Effects** field: say what the KEY changes
        runbooks/overrides.md:12:5: info[missing-manual-alternative] Action 3 executes a KEY but has no **Manual Alternative** for when the automation fails
        runbooks/overrides.md:20:16: error[unknown-export] KEY `node-noop` does not export `nope`: did you mean `noop`?
        runbooks/overrides.md:26:13: error[unknown-key] no KEY is named `node-n0pe`
    "#]]
    .assert_eq(&stdout(&[], &overrides));
    // Another configuration file replaces runbook-ls.toml.
    let config = std::env::temp_dir().join(format!("runbook-ls-cli-{}.toml", std::process::id()));
    // It also has a bad key, reported unless invalid-config is off, and
    // turns off invalid-key-manifest: rules that are off print nothing,
    // whatever file they are about.
    std::fs::write(&config, "bogus = 1\n[rules]\ninvalid-config = \"off\"\nunknown-key = \"off\"\nunknown-export = \"warning\"\nmissing-side-effects = \"off\"\nmissing-manual-alternative = \"off\"\nmissing-rollback = \"off\"\nmissing-precondition = \"off\"\nmissing-safety = \"off\"\ninvalid-key-manifest = \"off\"\n").unwrap();
    let output = check(&["--config", config.to_str().unwrap()], &overrides);
    let _ = std::fs::remove_file(&config);
    assert_eq!(output.status.code(), Some(0), "only a warning is left: {output:?}");
    expect_test::expect![[r#"
        runbooks/overrides.md:20:16: warning[unknown-export] KEY `node-noop` does not export `nope`: did you mean `noop`?
    "#]]
    .assert_eq(&String::from_utf8(output.stdout).unwrap());
}

/// The corpus findings, read by a person: see the note at the top of the snapshot.
#[test]
fn corpus_snapshot() {
    let corpus = workspace_dir().join("tests/corpus/keys-repo");
    let output = check(&[], &corpus);
    assert_eq!(output.status.code(), Some(1), "the corpus has errors: {output:?}");
    expect_test::expect_file!["snapshots/corpus.txt"].assert_eq(&String::from_utf8(output.stdout).unwrap());
}

/// The one cache file `check --cache` keeps for the workspace at `root`.
fn cache_file(root: &Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(root.join(".runbook-ls-cache"))
        .expect("the cache folder is written")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Marks every message in the cache of the workspace at `root`, so that a
/// run that reuses one shows it.
fn poison_cache(root: &Path) {
    let file = cache_file(root);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"message\":\""), "{text}");
    std::fs::write(&file, text.replace("\"message\":\"", "\"message\":\"FROM CACHE ")).unwrap();
}

/// For each of `changes`, in turn: it changes what an uncached check of
/// `root` prints; a cached check then prints the same, none of it from the
/// cache; and once the cache is marked, the next cached check takes its
/// findings from it again.
fn assert_cache_follows(root: &Path, changes: &[(&str, &dyn Fn())]) {
    let uncached = || stdout(&[], root);
    let cached = || stdout(&["--cache"], root);
    for (what, change) in changes {
        let before = uncached();
        change();
        let after = uncached();
        assert_ne!(before, after, "{what}: changes the findings");
        assert_eq!(cached(), after, "after {what}");
        assert!(!cached().contains("FROM CACHE"), "after {what}: nothing from the cache");
        poison_cache(root);
        assert!(cached().contains("FROM CACHE"), "unchanged after {what}: from the cache again");
    }
}

/// `--cache`: a warm run prints what a cold run prints, from the cache (a
/// finding altered in the cache file shows through), and any change the
/// findings depend on (the runbook, a manifest, a KEY's source, the
/// configuration) makes the run check again. A corrupt cache is ignored.
#[test]
fn check_cache_reuses_findings_until_something_changes() {
    let workspace = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/overrides"));
    let root = &workspace.root;
    let uncached = || stdout(&[], root);
    let cached = || stdout(&["--cache"], root);
    let poison = || poison_cache(root);

    let cold = cached();
    assert_eq!(cold, uncached());
    assert!(cold.contains("invalid-key-manifest") && cold.contains("invalid-config"), "{cold}");
    assert_eq!(
        std::fs::read_to_string(root.join(".runbook-ls-cache/.gitignore")).unwrap().lines().last(),
        Some("*"),
        "the cache folder keeps itself out of git"
    );
    assert_eq!(cached(), cold);
    poison();
    let warm = cached();
    assert_eq!(warm.lines().count(), cold.lines().count());
    assert!(warm.lines().all(|line| line.contains("] FROM CACHE ")), "every finding came from the cache:\n{warm}");

    let changes: [(&str, &dyn Fn()); 4] = [
        ("the runbook", &|| {
            let text = workspace.read("runbooks/overrides.md");
            workspace.write("runbooks/overrides.md", &text.replace("`node-n0pe`", "`node-n0pf`"));
        }),
        ("a manifest", &|| {
            workspace.write("node-keys/broken/key.json", "{ \"slug\": \"broken\", \"side_effects\": 3 }\n");
        }),
        ("a KEY's source", &|| {
            workspace
                .write("node-keys/noop/src/index.ts", "export function noop(): void {}\nexport function nope() {}\n");
        }),
        ("the configuration", &|| {
            let text = workspace.read("runbook-ls.toml");
            workspace
                .write("runbook-ls.toml", &text.replace("missing-rollback = \"hint\"", "missing-rollback = \"info\""));
        }),
    ];
    assert_cache_follows(root, &changes);

    // A cache that cannot be parsed is ignored, and rewritten.
    std::fs::write(cache_file(root), "{ not json").unwrap();
    assert_eq!(cached(), uncached());
    assert_eq!(cached(), uncached());

    // Named folders, and the root beside one, find what an uncached run of
    // the same paths finds, cold and warm.
    for args in [&["--cache", "runbooks"][..], &["--cache", ".", "runbooks"], &["--cache", "runbooks", "."]] {
        let expected = stdout(&args[1..], root);
        assert!(expected.contains("overrides.md"), "{expected}");
        assert_eq!(stdout(args, root), expected, "{args:?}, cold");
        assert_eq!(stdout(args, root), expected, "{args:?}, warm");
    }

    // Elsewhere with --cache-dir, relative to the current directory.
    std::fs::remove_dir_all(root.join(".runbook-ls-cache")).unwrap();
    let elsewhere = TempWorkspace::copy_of(&workspace_dir().join("tests/fixtures/demo"));
    let dir = elsewhere.root.join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    let root_arg = root.to_str().unwrap();
    let cold_elsewhere = stdout(&["--cache", "--cache-dir", "cache", root_arg], &elsewhere.root);
    assert_eq!(cold_elsewhere, stdout(&[root_arg], &elsewhere.root));
    assert_eq!(stdout(&["--cache", "--cache-dir", "cache", root_arg], &elsewhere.root), cold_elsewhere);
    assert!(!root.join(".runbook-ls-cache").exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3, "the cache file, its walk record and .gitignore");
}
