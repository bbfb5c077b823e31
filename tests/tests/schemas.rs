//! The JSON Schemas in `editors/schemas/` (what VS Code, and any editor with a
//! JSON or TOML language server, validates `key.json`, `pack.json` and
//! `runbook-ls.toml` with) agree with the server: every real file in the
//! repository is valid, and a file is invalid exactly when `runbook-ls check`
//! reports it (`invalid-key-manifest`, `invalid-config`).

use std::path::{Path, PathBuf};
use std::process::Command;

use runbook_ls_tests::{TempWorkspace, server_binary, workspace_dir};
use serde_json::{Value, json};

fn schema(name: &str) -> jsonschema::Validator {
    let path = workspace_dir().join("editors/schemas").join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("{name} compiles: {error}"))
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator.iter_errors(value).map(|error| format!("{error} at {}", error.instance_path())).collect()
}

fn files_named(dir: &Path, name: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_named(&path, name, found);
        } else if path.file_name().is_some_and(|file| file == name) {
            found.push(path);
        }
    }
}

/// Every file called `name` under tests/corpus and tests/fixtures, relative to the repository.
fn repository_files(name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in ["tests/corpus", "tests/fixtures"] {
        files_named(&workspace_dir().join(dir), name, &mut found);
    }
    found.sort();
    found.iter().map(|path| path.strip_prefix(workspace_dir()).unwrap().to_path_buf()).collect()
}

fn scratch(name: &str) -> TempWorkspace {
    let root = std::env::temp_dir().join(format!("runbook-ls-schemas-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    TempWorkspace { root }
}

/// `runbook-ls check --format json` findings of `code`, as `path: message`.
fn check_findings(args: &[&str], code: &str) -> Vec<String> {
    let output = Command::new(server_binary()).arg("check").args(["--format", "json"]).args(args).output().unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == code)
        .map(|finding| format!("{}: {}", finding["path"].as_str().unwrap(), finding["message"].as_str().unwrap()))
        .collect()
}

#[test]
fn every_manifest_and_pack_in_the_repository_is_valid() {
    let key_schema = schema("key.schema.json");
    let pack_schema = schema("pack.schema.json");
    let mut checked = Vec::new();
    for (name, validator) in [("key.json", &key_schema), ("pack.json", &pack_schema)] {
        for path in repository_files(name) {
            let value: Value = serde_json::from_str(&std::fs::read_to_string(workspace_dir().join(&path)).unwrap())
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let problems = errors(validator, &value);
            // The one manifest that is broken on purpose, for invalid-key-manifest.
            if path.ends_with("overrides/node-keys/broken/key.json") {
                assert!(
                    problems.len() == 1 && problems[0].starts_with(r#""deletes everything" is not of types"#),
                    "{problems:?}"
                );
            } else {
                assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
            }
            checked.push(path.display().to_string());
        }
    }
    expect_test::expect![[r#"
        tests/corpus/keys-repo/node-keys/audit-log-capture/key.json
        tests/corpus/keys-repo/node-keys/background-reconciliation/key.json
        tests/corpus/keys-repo/node-keys/safe-cron-execution/key.json
        tests/corpus/keys-repo/node-keys/stripe-webhook-entitlement/key.json
        tests/corpus/keys-repo/node-keys/supabase-rls-guard/key.json
        tests/fixtures/demo/node-keys/stripe-webhook-replay/key.json
        tests/fixtures/demo/node-keys/webhook-monitoring/key.json
        tests/fixtures/demo/node-keys/webhook-secret-update/key.json
        tests/fixtures/long-paragraph/node-keys/stripe-webhook-replay/key.json
        tests/fixtures/overrides/node-keys/broken/key.json
        tests/fixtures/overrides/node-keys/noop/key.json
        tests/corpus/keys-repo/runbook-keys/ai-output-regression/pack.json
        tests/corpus/keys-repo/runbook-keys/background-job-failure-replay/pack.json
        tests/corpus/keys-repo/runbook-keys/data-reconciliation-mismatch/pack.json
        tests/corpus/keys-repo/runbook-keys/partial-outage-dependency-failure/pack.json
        tests/corpus/keys-repo/runbook-keys/stripe-webhook-failure/pack.json
        tests/corpus/keys-repo/runbook-keys/supabase-rls-lockout-recovery/pack.json
    "#]]
    .assert_eq(&(checked.join("\n") + "\n"));
}

#[test]
fn pack_schema_checks_the_reference_lists() {
    let validator = schema("pack.schema.json");
    let valid = json!({ "references_node_keys": ["node-safe-cron-execution", "next-audit-log"], "references_jupyter_keys": [] });
    assert!(errors(&validator, &valid).is_empty());
    for invalid in [
        json!({ "references_node_keys": "node-safe-cron-execution" }),
        json!({ "references_node_keys": ["jupyter-job-failure-analysis"] }),
        json!({ "references_jupyter_keys": ["node-safe-cron-execution"] }),
        json!({ "references_node_keys": ["safe-cron-execution"] }),
    ] {
        assert!(!errors(&validator, &invalid).is_empty(), "{invalid}");
    }
}

/// The manifest fields of SPEC 1, which `server/keys/src/manifest.rs` reads.
const MANIFEST_FIELDS: [&str; 13] = [
    "slug",
    "title",
    "description",
    "tool",
    "key_type",
    "runtime",
    "side_effects",
    "required_env",
    "optional_env",
    "tenant_scope",
    "safety",
    "preconditions",
    "rollback",
];

/// For each manifest, the schema's verdict and the server's are the same.
#[test]
fn key_schema_rejects_what_the_server_reports() {
    let validator = schema("key.schema.json");
    let described: Vec<String> = {
        let text = std::fs::read_to_string(workspace_dir().join("editors/schemas/key.schema.json")).unwrap();
        let schema: Value = serde_json::from_str(&text).unwrap();
        let mut fields: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        fields.sort();
        fields
    };
    let mut fields: Vec<&str> = MANIFEST_FIELDS.to_vec();
    fields.sort();
    assert_eq!(described, fields, "the schema describes exactly the fields the server reads");

    let mut cases: Vec<(Value, bool)> = vec![
        (json!({}), true),
        (json!({ "slug": "abc-123", "safety": "reversible", "key_type": ["job"] }), true),
        (json!({ "version": "1.0.0", "dependencies": [{ "name": "stripe" }], "maturity": 3 }), true),
        (json!({ "slug": "Bad Slug!" }), false),
        (json!({ "slug": "" }), false),
        (json!({ "slug": "-replay" }), false),
        (json!({ "slug": "replay-" }), false),
        (json!({ "safety": "REVERSABLE" }), false),
        (json!({ "side_effects": "deletes everything" }), false),
        (json!({ "side_effects": ["Restarts the service", 1] }), false),
        (json!([]), false),
        (json!("key"), false),
    ];
    // Every field: null counts as absent; a number is the wrong type.
    for field in MANIFEST_FIELDS {
        cases.push((json!({ field: null }), true));
        cases.push((json!({ field: 42 }), false));
    }

    let workspace = scratch("key");
    for (index, (manifest, _)) in cases.iter().enumerate() {
        workspace.write(&format!("node-keys/case-{index:02}/key.json"), &manifest.to_string());
    }
    let reported = check_findings(&[workspace.root.to_str().unwrap()], "invalid-key-manifest");
    for (index, (manifest, valid)) in cases.iter().enumerate() {
        let path = format!("node-keys/case-{index:02}/key.json");
        let server: Vec<&String> = reported.iter().filter(|finding| finding.starts_with(&path)).collect();
        let schema = errors(&validator, manifest);
        assert_eq!(server.is_empty(), *valid, "{manifest}: the server reports {server:?}");
        assert_eq!(schema.is_empty(), *valid, "{manifest}: the schema reports {schema:?}");
    }
}

/// For each `runbook-ls.toml`, the schema's verdict and the server's are the
/// same. Not expressible in a schema, and so left out: the glob syntax of
/// `runbooks` and a key root outside the workspace.
#[test]
fn toml_schema_rejects_what_the_server_reports() {
    let validator = schema("runbook-ls.schema.json");
    let readme = std::fs::read_to_string(workspace_dir().join("README.md")).unwrap();
    let documented = readme.split("```toml\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap().to_string();
    let cases: Vec<(String, bool)> = [
        ("", true),
        ("runbooks = [\"runbook-keys/*/README.md\", \"runbooks/**/*.md\"]", true),
        ("runbooks = []\n[rules]\nmissing-side-effects = \"info\"\nhidden-execution = \"off\"", true),
        ("[[key-roots]]\npath = \"keys-assets/node-next-keys\"\nprefix = \"node\"", true),
        ("[[key-roots]]\npath = \"keys\"\nprefix = \"jupyter\"\nimport = \"@/keys/\"", true),
        ("runbook = [\"x\"]", false),
        ("runbooks = \"runbooks/*.md\"", false),
        ("runbooks = [1]", false),
        ("rules = 3", false),
        ("[rules]\nmissing-rollback = \"loud\"", false),
        ("[rules]\nhidden-executon = \"off\"", false),
        ("[rules]\nunknown-key = 3", false),
        ("key-roots = { path = \"keys\", prefix = \"node\" }", false),
        ("[[key-roots]]\npath = \"keys\"", false),
        ("[[key-roots]]\npath = \"keys\"\nprefix = \"node\"\nprefx = \"node\"", false),
        ("[[key-roots]]\npath = \"keys\"\nprefix = \"Node\"", false),
        ("[[key-roots]]\npath = \"keys\"\nprefix = \"node-keys\"", false),
        ("[[key-roots]]\npath = \" \"\nprefix = \"node\"", false),
        ("[[key-roots]]\npath = \"keys\"\nprefix = \"node\"\nimport = 3", false),
    ]
    .into_iter()
    .map(|(text, valid)| (text.to_string(), valid))
    .chain([(documented, true)])
    .chain(repository_files("runbook-ls.toml").into_iter().map(|path| {
        // The overrides fixture misspells a rule on purpose, for invalid-config.
        let valid = !path.ends_with("overrides/runbook-ls.toml");
        (std::fs::read_to_string(workspace_dir().join(path)).unwrap(), valid)
    }))
    .collect();

    let workspace = scratch("toml");
    for (text, valid) in &cases {
        workspace.write("runbook-ls.toml", text);
        let server = check_findings(&[workspace.root.to_str().unwrap()], "invalid-config");
        let value: Value = toml::from_str(text).unwrap_or_else(|error| panic!("{text:?} is TOML: {error}"));
        let schema = errors(&validator, &value);
        assert_eq!(server.is_empty(), *valid, "{text:?}: the server reports {server:?}");
        assert_eq!(schema.is_empty(), *valid, "{text:?}: the schema reports {schema:?}");
    }
}
