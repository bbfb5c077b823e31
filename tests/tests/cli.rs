//! End-to-end: `runbook-ls check` as CI runs it.

use std::path::Path;
use std::process::{Command, Output};

use runbook_ls_tests::{server_binary, workspace_dir};
use serde_json::Value;

fn check(args: &[&str], cwd: &Path) -> Output {
    Command::new(server_binary()).arg("check").args(args).current_dir(cwd).output().expect("runbook-ls runs")
}

fn json_findings(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let output = check(&all, &workspace_dir());
    assert!(output.status.code() == Some(0) || output.status.code() == Some(1), "{output:?}");
    serde_json::from_slice::<Value>(&output.stdout).expect("JSON output").as_array().cloned().unwrap()
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
    let missing = check(&["no/such/path"], &demo);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.starts_with("runbook-ls: cannot read no/such/path"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(check(&["--format", "xml"], &demo).status.code(), Some(2));
    assert_eq!(check(&["--config", "nope.toml"], &demo).status.code(), Some(2));
}
