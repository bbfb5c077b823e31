//! One fixture per rule that triggers it and one that does not, side by side,
//! so that a rule that stops firing (or starts firing on clean text) shows
//! up here whatever the snapshots of the other tests say. The two rules about
//! other files, `invalid-key-manifest` (key.json) and `invalid-config`
//! (runbook-ls.toml), are tested where those files are read: the keys crate's
//! manifest tests and the lsp crate's config tests, and end to end.

use runbook_syntax::Parse;
use runbook_syntax::fixture::Fixture;

use crate::test_utils::{WORKSPACE_ROOT, catalog, fixture_path};
use crate::{DiagnosticCode, IdeConfig, Workspace, diagnostics};

const KEYS: &str = r#"
//- /node-keys/replay/key.json
{ "slug": "replay", "title": "Replay", "tool": "node", "safety": "REVERSIBLE" }
//- /node-keys/replay/src/index.ts
export function replay(): void {}
//- /node-keys/health/key.json
{ "slug": "health", "tool": "node", "safety": "SAFE" }
//- /node-keys/health/src/index.ts
export function check(): void {}
"#;

/// Codes found in the first markdown file of `fixture` (plus the shared KEYs).
fn codes(fixture: &str) -> Vec<DiagnosticCode> {
    let fixture = Fixture::parse(&format!("{fixture}{KEYS}"));
    let main = fixture.main_file();
    let parse = Parse::new(&fixture.files[main].text);
    let path = fixture_path(&fixture, main);
    let (fs, catalog) = catalog(&fixture);
    let root = std::path::PathBuf::from(WORKSPACE_ROOT);
    let config = IdeConfig::default();
    let workspace = Workspace { root: &root, config: &config, catalog: Some(&catalog), fs: &fs, packs: None };
    diagnostics(&crate::File { path: &path, parse: &parse }, &workspace)
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect()
}

/// A complete, correct Action around `body` lines.
fn action(heading: &str, body: &str) -> String {
    format!("//- /runbook.md\n### {heading}\n\n{body}\n")
}

const CLEAN_BODY: &str = "**Precondition**: failed events found
- **KEY**: `node-replay`
- **Location**: `/node-keys/replay/src/index.ts`
- **Side Effects**: replays events

**Execution**:
```ts
import { replay } from '@/node-keys/replay/src';
replay();
```

**Manual Alternative**: resend from the dashboard

**Rollback**: replaying twice is harmless";

#[track_caller]
fn check_rule(code: DiagnosticCode, triggering: &str, clean: &str) {
    let found = codes(triggering);
    assert!(found.contains(&code), "{code} should fire on:\n{triggering}\nfound {found:?}");
    let found = codes(clean);
    assert!(!found.contains(&code), "{code} should not fire on:\n{clean}\nfound {found:?}");
}

#[test]
fn every_rule_fires_and_stays_quiet() {
    use DiagnosticCode::*;
    let clean = action("Action 1: Replay (REVERSIBLE)", CLEAN_BODY);
    assert_eq!(codes(&clean), [], "the clean Action is clean");
    let without = |line: &str| action("Action 1: Replay (REVERSIBLE)", &CLEAN_BODY.replace(line, ""));

    check_rule(MissingPrecondition, &without("**Precondition**: failed events found"), &clean);
    check_rule(MissingRollback, &without("**Rollback**: replaying twice is harmless"), &clean);
    check_rule(
        IrreversibleWithoutWarning,
        &action("Action 1: Replay (IRREVERSIBLE)", CLEAN_BODY),
        &action("Action 1: Replay (IRREVERSIBLE)", &format!("{CLEAN_BODY}\n\n**Warning**: cannot be undone")),
    );
    check_rule(MissingSafety, &action("Action 1: Replay", CLEAN_BODY), &clean);
    check_rule(MissingSideEffects, &without("- **Side Effects**: replays events"), &clean);
    check_rule(UnknownSafetyClass, &action("Action 1: Replay (REVERSABLE)", CLEAN_BODY), &clean);
    check_rule(
        SafetyMismatch,
        &action("Action 1: Replay (SAFE)", CLEAN_BODY),
        &action("Action 1: Replay (REVERSIBLE)", &format!("{CLEAN_BODY}\n\n**Safety**: REVERSIBLE - idempotent")),
    );
    check_rule(
        UnknownKey,
        &action("Action 1: Replay (REVERSIBLE)", &CLEAN_BODY.replace("`node-replay`", "`node-replya`")),
        &clean,
    );
    check_rule(
        UnresolvedImport,
        &action(
            "Action 1: Replay (REVERSIBLE)",
            &CLEAN_BODY.replace("'@/node-keys/replay/src'", "'@/node-keys/replya/src'"),
        ),
        &clean,
    );
    check_rule(
        UnknownExport,
        &action("Action 1: Replay (REVERSIBLE)", &CLEAN_BODY.replace("import { replay }", "import { replays }")),
        &clean,
    );
    check_rule(
        LocationMismatch,
        &action("Action 1: Replay (REVERSIBLE)", &CLEAN_BODY.replace("src/index.ts`", "src/main.ts`")),
        &clean,
    );
    check_rule(
        KeyImportMismatch,
        &action(
            "Action 1: Replay (REVERSIBLE)",
            &CLEAN_BODY.replace("'@/node-keys/replay/src'", "'@/node-keys/health/src'"),
        ),
        &clean,
    );
    let long_script: String = (0..11).map(|i| format!("const step{i} = {i};\n")).collect();
    check_rule(
        HiddenExecution,
        &action("Action 1: Replay (REVERSIBLE)", &format!("{CLEAN_BODY}\n\n**Execution**:\n```ts\n{long_script}```")),
        &action(
            "Action 1: Replay (REVERSIBLE)",
            &format!(
                "{CLEAN_BODY}\n\n**Execution**:\n```ts\nimport {{ replay }} from '@/node-keys/replay/src';\n{long_script}```"
            ),
        ),
    );
    check_rule(MissingManualAlternative, &without("**Manual Alternative**: resend from the dashboard"), &clean);

    let canonical = "# Runbook\n\n## Scope\n## When to Use This Runbook\n## When NOT to Use This Runbook\n## Immediate Safety Checks\n## Diagnosis Flow\n## Action Steps\n## Verification\n## Rollback / Escalation\n## Evidence & Audit Notes\n## Post-Incident Follow-Ups\n";
    let runbook = |text: &str| format!("//- /runbook-keys/x/README.md\n{text}");
    check_rule(MissingSection, &runbook(&canonical.replace("## Verification\n", "")), &runbook(canonical));
    check_rule(
        SectionOrder,
        &runbook(&canonical.replace("## Diagnosis Flow\n## Action Steps\n", "## Action Steps\n## Diagnosis Flow\n")),
        &runbook(canonical),
    );
    let pack = |listed: &str| {
        format!(
            "//- /runbook-keys/x/README.md\n# R\n\nUses `node-replay`.\n//- /runbook-keys/x/pack.json\n{{ \"references_node_keys\": [{listed}] }}\n"
        )
    };
    check_rule(PackReferenceMismatch, &pack("\"node-health\""), &pack("\"node-replay\""));
}

/// `location-mismatch` in the ordinary documents of a repository that also
/// holds KEYs: regions, listings, routes, templates and folders are no
/// missing files (SPEC 2 and 5). A path into a key root that is not there
/// still is.
#[test]
fn location_mismatch_stays_quiet_on_ordinary_documents() {
    let triggering = "//- /docs/README.md\n# Docs\n\n- **Location**: `/node-keys/replya/`\n";
    let ordinary = [
        // The README of a docs site.
        "//- /docs/README.md\n# Docs site\n\n## Hosting\n\n- **Location**: US/EU\n- **Location**: Global\n- **Provider**: Vercel\n",
        // A listing.
        "//- /docs/listing.md\n# Listing\n\n**Location**: Marketplace\n**Price**: free\n",
        // A page of the site, with its route.
        "//- /site/privacy.md\n# Privacy policy\n\n**Location**: /privacy\n**Last Updated**: 2024-12-30\n",
        "//- /site/terms.md\n# Terms\n\n**Location**: `/terms`\n",
        // A template with placeholders.
        "//- /templates/KEY.md\n# KEY template\n\n**Location**: `node-keys/<slug>/key.json`\n\n**Location**: next-keys/<slug>/src/index.ts\n",
        // Folders that exist, inside a KEY and elsewhere.
        "//- /docs/layout.md\n# Layout\n\n- **Location**: `/node-keys/replay/`\n- **Location**: node-keys/replay/src\n- **Location**: `node-keys`\n- **Location**: `docs/`\n",
    ];
    for clean in ordinary {
        check_rule(DiagnosticCode::LocationMismatch, triggering, clean);
    }
}
