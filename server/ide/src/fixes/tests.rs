//! A table of fixes: for every rule with fixes, a fixture where one applies,
//! the text after it, and a re-check showing the finding it targets gone and
//! no finding new. Rules without fixes are listed too, so that a rule that
//! gains or loses its fixes shows up here.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;

use expect_test::{Expect, expect};
use runbook_keys::fs::MemoryFs;
use runbook_syntax::fixture::Fixture;

use crate::test_utils::{WORKSPACE_ROOT, fixture_path};

mod differential;
use crate::{Analysis, AnalysisHost, AssistKind, AssistQuery, DiagnosticCode, IndexScope, SourceChange};

const KEYS: &str = r#"
//- /node-keys/stripe-webhook-replay/key.json
{
  "slug": "stripe-webhook-replay",
  "tool": "node",
  "safety": "REVERSIBLE",
  "side_effects": ["Replays webhook events", "Updates the database"],
  "preconditions": ["Failed events identified"],
  "rollback": "Replaying twice is harmless"
}
//- /node-keys/stripe-webhook-replay/src/index.ts
/**
 * Replays failed webhooks.
 * @sideEffect Sends a notification
 * @precondition The endpoint is up
 */
export function replayFailedWebhooks(): void {}
export function countFailedWebhooks(): number { return 0; }
//- /node-keys/webhook-monitoring/key.json
{ "slug": "webhook-monitoring", "tool": "node", "safety": "SAFE", "side_effects": [] }
//- /node-keys/webhook-monitoring/src/index.ts
export function checkWebhookHealth(): void {}
//- /node-keys/event-purge/key.json
{ "slug": "event-purge", "tool": "node", "safety": "IRREVERSIBLE" }
//- /node-keys/event-purge/src/index.ts
export function purgeEvents(): void {}
//- /node-keys/plain/src/index.ts
export function run(): void {}
"#;

/// The fixture's files (plus the shared KEYs) in memory, indexed.
fn analysis(fixture: &Fixture) -> Analysis {
    let root = PathBuf::from(WORKSPACE_ROOT);
    let fs = MemoryFs::from_fixture(fixture, &root);
    let mut host = AnalysisHost::new(root, Arc::new(fs));
    let index = host.analysis().build_index(&IndexScope::Workspace);
    host.set_index(index);
    host.analysis()
}

/// The texts of the files a change edits, after it.
fn apply(analysis: &Analysis, change: &SourceChange) -> Vec<(PathBuf, String)> {
    change
        .edits
        .keys()
        .map(|path| (path.clone(), change.apply(path, &analysis.file_text(path).expect("an edited file exists"))))
        .collect()
}

fn code_counts(analysis: &Analysis, path: &std::path::Path) -> BTreeMap<DiagnosticCode, usize> {
    let mut counts = BTreeMap::new();
    for diagnostic in analysis.diagnostics(path) {
        *counts.entry(diagnostic.code).or_default() += 1;
    }
    counts
}

fn render_files(out: &mut String, files: &[(PathBuf, String)]) {
    for (path, text) in files {
        let relative = path.strip_prefix(WORKSPACE_ROOT).unwrap_or(path);
        writeln!(out, "//- /{}", relative.display()).unwrap();
        out.push_str(text);
    }
}

/// Applies the fix labelled `label` of the `code` finding of the fixture's
/// runbook and shows every file it edits; then checks that one `code`
/// finding went and that no code has more findings than before.
#[track_caller]
fn check_fix(fixture: &str, code: DiagnosticCode, label: &str, expect: Expect) {
    let fixture = Fixture::parse(&format!("{fixture}{KEYS}"));
    let path = fixture_path(&fixture, fixture.main_file());
    let analysis = analysis(&fixture);
    let diagnostics = analysis.diagnostics(&path);
    let mut offered = Vec::new();
    let mut found = None;
    for diagnostic in diagnostics.iter().filter(|diagnostic| diagnostic.code == code) {
        let query = AssistQuery { range: diagnostic.range, resolve: true, ..AssistQuery::default() };
        for assist in analysis.assists(&path, &query) {
            if assist.label == label && assist.diagnostic.as_ref() == Some(diagnostic) {
                found = Some(assist);
            } else {
                offered.push(assist.label);
            }
        }
    }
    let assist = found.unwrap_or_else(|| panic!("no fix {label:?} for {code}; offered: {offered:#?}"));
    let change = assist.source_change.as_ref().expect("resolved");
    // Resolving later gives the same edits.
    let resolved = analysis.resolve_assist(&path, &assist.id).expect("found again");
    assert_eq!(resolved.source_change.as_ref(), Some(change));

    let files = apply(&analysis, change);
    let mut out = String::new();
    let mut notes = Vec::new();
    if assist.is_preferred {
        notes.push("preferred");
    }
    if assist.unattended {
        notes.push("unattended");
    }
    writeln!(out, "fix {:?} ({})", assist.label, notes.join(", ")).unwrap();
    render_files(&mut out, &files);
    expect.assert_eq(&out);

    let before = code_counts(&analysis, &path);
    let after = code_counts(&analysis.with_file_texts(files), &path);
    assert!(after.get(&code).copied().unwrap_or(0) < before[&code], "the {code} finding is still there: {after:?}");
    for (after_code, n) in &after {
        assert!(
            *n <= before.get(after_code).copied().unwrap_or(0),
            "new {after_code} finding: {before:?} -> {after:?}"
        );
    }
}

/// The labels of every fix offered for the fixture's findings, by code.
#[track_caller]
fn check_offered(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(&format!("{fixture}{KEYS}"));
    let path = fixture_path(&fixture, fixture.main_file());
    let analysis = analysis(&fixture);
    let mut out = String::new();
    for diagnostic in analysis.diagnostics(&path) {
        writeln!(out, "{}", diagnostic.code).unwrap();
        for fix in &diagnostic.fixes {
            let mark = match (fix.is_preferred, fix.unattended) {
                (true, true) => " (preferred, unattended)",
                (true, false) => " (preferred)",
                (false, true) => " (unattended)",
                (false, false) => "",
            };
            writeln!(out, "  {}{mark}", fix.label).unwrap();
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn unknown_key() {
    check_fix(
        r#"
- **KEY**: `node-stripe-webhok-replay`
"#,
        DiagnosticCode::UnknownKey,
        "Change to `node-stripe-webhook-replay`",
        expect![[r#"
            fix "Change to `node-stripe-webhook-replay`" (preferred, unattended)
            //- /runbook.md

            - **KEY**: `node-stripe-webhook-replay`

        "#]],
    );
}

#[test]
fn unknown_export_renames_the_calls_too() {
    check_fix(
        r#"
```ts
import { replayFailedWebhook } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhook({ dryRun: true });
```
"#,
        DiagnosticCode::UnknownExport,
        "Change to `replayFailedWebhooks`",
        expect![[r#"
            fix "Change to `replayFailedWebhooks`" (preferred)
            //- /runbook.md

            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            await replayFailedWebhooks({ dryRun: true });
            ```

        "#]],
    );
    // An alias keeps its local name, and its calls.
    check_fix(
        r#"
```ts
import { replayFailedWebhook as replay } from '@/node-keys/stripe-webhook-replay/src';
await replay();
```
"#,
        DiagnosticCode::UnknownExport,
        "Change to `countFailedWebhooks`",
        expect![[r#"
            fix "Change to `countFailedWebhooks`" ()
            //- /runbook.md

            ```ts
            import { countFailedWebhooks as replay } from '@/node-keys/stripe-webhook-replay/src';
            await replay();
            ```

        "#]],
    );
}

#[test]
fn unknown_safety_class() {
    check_fix(
        r#"
### Action 1: Rotate (REVERSABLE)

**Preconditions**: the secret leaked

**Rollback**: restore it
"#,
        DiagnosticCode::UnknownSafetyClass,
        "Change to REVERSIBLE",
        expect![[r#"
            fix "Change to REVERSIBLE" (preferred, unattended)
            //- /runbook.md

            ### Action 1: Rotate (REVERSIBLE)

            **Preconditions**: the secret leaked

            **Rollback**: restore it

        "#]],
    );
}

#[test]
fn unresolved_import() {
    check_fix(
        r#"
```ts
import { checkWebhookHealth } from '@/node-keys/webhook-monitor/src';
```
"#,
        DiagnosticCode::UnresolvedImport,
        "Change to `@/node-keys/webhook-monitoring/src`",
        expect![[r#"
            fix "Change to `@/node-keys/webhook-monitoring/src`" (preferred, unattended)
            //- /runbook.md

            ```ts
            import { checkWebhookHealth } from '@/node-keys/webhook-monitoring/src';
            ```

        "#]],
    );
    check_fix(
        r#"
```ts
import { checkWebhookHealth } from '@/node-keys/webhook-monitoring/src/main';
```
"#,
        DiagnosticCode::UnresolvedImport,
        "Change to `@/node-keys/webhook-monitoring/src`",
        expect![[r#"
            fix "Change to `@/node-keys/webhook-monitoring/src`" (preferred, unattended)
            //- /runbook.md

            ```ts
            import { checkWebhookHealth } from '@/node-keys/webhook-monitoring/src';
            ```

        "#]],
    );
}

#[test]
fn unresolved_import_is_not_fixed_into_an_unknown_export() {
    // `webhook-monitoring` is the folder meant, but it does not export
    // `replay`: changing the folder would only trade one error for another.
    check_offered(
        r#"
```ts
import { replay } from '@/node-keys/webhook-monitor/src';
```
"#,
        expect![[r#"
            unresolved-import
        "#]],
    );
}

#[test]
fn missing_precondition_from_the_manifest_and_jsdoc() {
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)

**Automated (Preferred)**:
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhooks();
```

**Manual Alternative**: resend by hand

**Rollback**: none needed
"#,
        DiagnosticCode::MissingPrecondition,
        "Insert a **Preconditions** field",
        expect![[r#"
            fix "Insert a **Preconditions** field" (preferred)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Preconditions**:
            - Failed events identified
            - The endpoint is up

            **Automated (Preferred)**:
            - **KEY**: `node-stripe-webhook-replay`
            - **Side Effects**: replays

            **Execution**:
            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            await replayFailedWebhooks();
            ```

            **Manual Alternative**: resend by hand

            **Rollback**: none needed

        "#]],
    );
}

#[test]
fn missing_precondition_without_a_key_is_a_placeholder() {
    check_fix(
        r#"
### Action 1: Restart (SAFE)
Restart the worker.
"#,
        DiagnosticCode::MissingPrecondition,
        "Insert a **Preconditions** field",
        expect![[r#"
            fix "Insert a **Preconditions** field" (preferred)
            //- /runbook.md

            ### Action 1: Restart (SAFE)
            Restart the worker.

            **Preconditions**: TODO: say what must be true before it runs

        "#]],
    );
}

#[test]
fn missing_rollback_from_the_manifest_at_the_end() {
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)

**Precondition**: events failed

- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

### Action 2: Next (SAFE)

**Precondition**: none
"#,
        DiagnosticCode::MissingRollback,
        "Insert a **Rollback** field",
        expect![[r#"
            fix "Insert a **Rollback** field" (preferred)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed

            - **KEY**: `node-stripe-webhook-replay`
            - **Side Effects**: replays

            **Rollback**: Replaying twice is harmless

            ### Action 2: Next (SAFE)

            **Precondition**: none

        "#]],
    );
}

#[test]
fn missing_side_effects_join_the_list_of_key_fields() {
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)

**Precondition**: events failed

**Automated (Preferred)**:
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhooks();
```

**Manual Alternative**: resend by hand

**Rollback**: none needed
"#,
        DiagnosticCode::MissingSideEffects,
        "Insert a **Side Effects** field",
        expect![[r#"
            fix "Insert a **Side Effects** field" (preferred)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed

            **Automated (Preferred)**:
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
            - **Side Effects**:
              - Replays webhook events
              - Updates the database
              - Sends a notification

            **Execution**:
            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            await replayFailedWebhooks();
            ```

            **Manual Alternative**: resend by hand

            **Rollback**: none needed

        "#]],
    );
}

#[test]
fn missing_side_effects_of_a_read_only_key() {
    check_fix(
        r#"
### Action 1: Check Health (SAFE)

**Precondition**: all done

**KEY**: `node-webhook-monitoring`
"#,
        DiagnosticCode::MissingSideEffects,
        "Insert a **Side Effects** field",
        expect![[r#"
            fix "Insert a **Side Effects** field" (preferred)
            //- /runbook.md

            ### Action 1: Check Health (SAFE)

            **Precondition**: all done

            **KEY**: `node-webhook-monitoring`

            **Side Effects**: None (read-only)

        "#]],
    );
}

#[test]
fn fields_written_one_per_line_stay_one_per_line() {
    check_fix(
        "### Action 1: Purge (IRREVERSIBLE)\n\n**Precondition:** old events\n**Safety:** IRREVERSIBLE\n",
        DiagnosticCode::IrreversibleWithoutWarning,
        "Insert a **Warning** field",
        expect![[r#"
            fix "Insert a **Warning** field" (preferred)
            //- /runbook.md
            ### Action 1: Purge (IRREVERSIBLE)

            **Precondition:** old events
            **Warning:** TODO: say what cannot be undone
            **Safety:** IRREVERSIBLE

        "#]],
    );
}

#[test]
fn crlf_runbooks_get_crlf_lines() {
    let fixture =
        "### Action 1: Purge (IRREVERSIBLE)\r\n\r\n**Precondition**: old events\r\n\r\n**Execution**: purge\r\n";
    let fixture = Fixture::parse(&format!("{fixture}{KEYS}"));
    let path = fixture_path(&fixture, 0);
    let analysis = analysis(&fixture);
    let diagnostic = analysis
        .diagnostics(&path)
        .into_iter()
        .find(|diagnostic| diagnostic.code == DiagnosticCode::IrreversibleWithoutWarning)
        .unwrap();
    let query = AssistQuery { range: diagnostic.range, resolve: true, ..AssistQuery::default() };
    let assist = analysis.assists(&path, &query).into_iter().next().unwrap();
    let files = apply(&analysis, assist.source_change.as_ref().unwrap());
    assert_eq!(
        files[0].1,
        // (The fixture's files end with a line feed.)
        "### Action 1: Purge (IRREVERSIBLE)\r\n\r\n**Precondition**: old events\r\n\r\n**Warning**: TODO: say what cannot be undone\r\n\r\n**Execution**: purge\r\n\n"
    );
}

#[test]
fn irreversible_without_warning_goes_after_the_preconditions() {
    check_fix(
        r#"
### Action 1: Purge Events (IRREVERSIBLE)

**Precondition**: nothing else worked
**Execution**: purge them
"#,
        DiagnosticCode::IrreversibleWithoutWarning,
        "Insert a **Warning** field",
        expect![[r#"
            fix "Insert a **Warning** field" (preferred)
            //- /runbook.md

            ### Action 1: Purge Events (IRREVERSIBLE)

            **Precondition**: nothing else worked
            **Warning**: TODO: say what cannot be undone
            **Execution**: purge them

        "#]],
    );
}

#[test]
fn missing_manual_alternative_goes_after_the_execution() {
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)

**Precondition**: events failed
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
**Rollback**: none
"#,
        DiagnosticCode::MissingManualAlternative,
        "Insert a **Manual Alternative** field",
        expect![[r#"
            fix "Insert a **Manual Alternative** field" (preferred)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed
            - **KEY**: `node-stripe-webhook-replay`
            - **Side Effects**: replays

            **Execution**:
            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            ```

            **Manual Alternative**: TODO: say how to do it by hand when the automation fails

            **Rollback**: none

        "#]],
    );
}

#[test]
fn missing_safety_from_the_key() {
    let fixture = r#"
### Action 1: Check Health

**Precondition**: all done
- **KEY**: `node-webhook-monitoring`
- **Side Effects**: none
"#;
    check_fix(
        fixture,
        DiagnosticCode::MissingSafety,
        "Classify Action 1 as SAFE (declared by `node-webhook-monitoring`)",
        expect![[r#"
            fix "Classify Action 1 as SAFE (declared by `node-webhook-monitoring`)" (preferred, unattended)
            //- /runbook.md

            ### Action 1: Check Health (SAFE)

            **Precondition**: all done
            - **KEY**: `node-webhook-monitoring`
            - **Side Effects**: none

        "#]],
    );
    check_fix(
        fixture,
        DiagnosticCode::MissingSafety,
        "Insert a **Safety** field (SAFE, declared by `node-webhook-monitoring`)",
        expect![[r#"
            fix "Insert a **Safety** field (SAFE, declared by `node-webhook-monitoring`)" ()
            //- /runbook.md

            ### Action 1: Check Health

            **Precondition**: all done
            - **KEY**: `node-webhook-monitoring`
            - **Side Effects**: none
            - **Safety**: SAFE

        "#]],
    );
}

#[test]
fn missing_safety_without_a_key_offers_every_class() {
    check_offered(
        r#"
### Action 1: Restart the Worker

**Precondition**: it hangs
"#,
        expect![[r#"
            missing-safety
              Classify Action 1 as SAFE
              Classify Action 1 as REVERSIBLE
              Classify Action 1 as IRREVERSIBLE
        "#]],
    );
    check_fix(
        r#"
### Action 1: Restart the Worker ###

**Precondition**: it hangs
**Rollback**: start it again
"#,
        DiagnosticCode::MissingSafety,
        "Classify Action 1 as REVERSIBLE",
        expect![[r#"
            fix "Classify Action 1 as REVERSIBLE" ()
            //- /runbook.md

            ### Action 1: Restart the Worker (REVERSIBLE) ###

            **Precondition**: it hangs
            **Rollback**: start it again

        "#]],
    );
}

#[test]
fn location_mismatch() {
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`
"#,
        DiagnosticCode::LocationMismatch,
        "Change to `/node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`)",
        expect![[r#"
            fix "Change to `/node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`)" (preferred, unattended)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`

        "#]],
    );
    // An existing file of another KEY, written without the leading slash.
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)
- **KEY**: `node-stripe-webhook-replay`
- **Location**: node-keys/webhook-monitoring/src/index.ts
"#,
        DiagnosticCode::LocationMismatch,
        "Change to `node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`)",
        expect![[r#"
            fix "Change to `node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`)" (preferred, unattended)
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: node-keys/stripe-webhook-replay/src/index.ts

        "#]],
    );
}

#[test]
fn safety_mismatch_between_heading_and_field() {
    let fixture = r#"
### Action 1: Delete Stale Events (IRREVERSIBLE)

**Precondition**: older than 30 days
**Warning**: gone for good
**Safety**: REVERSIBLE - they can be replayed
**Rollback**: replay them
"#;
    check_offered(
        fixture,
        expect![[r#"
            safety-mismatch
              Change the heading to REVERSIBLE
              Change the **Safety** field to IRREVERSIBLE (preferred)
        "#]],
    );
    check_fix(
        fixture,
        DiagnosticCode::SafetyMismatch,
        "Change the **Safety** field to IRREVERSIBLE",
        expect![[r#"
            fix "Change the **Safety** field to IRREVERSIBLE" (preferred)
            //- /runbook.md

            ### Action 1: Delete Stale Events (IRREVERSIBLE)

            **Precondition**: older than 30 days
            **Warning**: gone for good
            **Safety**: IRREVERSIBLE - they can be replayed
            **Rollback**: replay them

        "#]],
    );
}

#[test]
fn safety_mismatch_with_the_key_changes_every_class_word() {
    check_fix(
        r#"
### Action 1: Purge (REVERSIBLE - keeps a backup)

**Precondition**: old events
**Warning**: careful
- **KEY**: `node-event-purge`
- **Side Effects**: deletes events
- **Safety**: REVERSIBLE
**Rollback**: restore the backup
"#,
        DiagnosticCode::SafetyMismatch,
        "Classify Action 1 as IRREVERSIBLE (declared by `node-event-purge`)",
        expect![[r#"
            fix "Classify Action 1 as IRREVERSIBLE (declared by `node-event-purge`)" (preferred, unattended)
            //- /runbook.md

            ### Action 1: Purge (IRREVERSIBLE - keeps a backup)

            **Precondition**: old events
            **Warning**: careful
            - **KEY**: `node-event-purge`
            - **Side Effects**: deletes events
            - **Safety**: IRREVERSIBLE
            **Rollback**: restore the backup

        "#]],
    );
}

#[test]
fn key_import_mismatch() {
    let fixture = r#"
### Action 1: Replay (REVERSIBLE)

**Precondition**: events failed
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

**Execution**:
```ts
import { run } from '@/node-keys/plain/src';
```

**Manual Alternative**: by hand
**Rollback**: none
"#;
    check_offered(
        fixture,
        expect![[r#"
            key-import-mismatch
              Use the KEY of the import: `node-plain`
        "#]],
    );
    check_fix(
        fixture,
        DiagnosticCode::KeyImportMismatch,
        "Use the KEY of the import: `node-plain`",
        expect![[r#"
            fix "Use the KEY of the import: `node-plain`" ()
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed
            - **KEY**: `node-plain`
            - **Side Effects**: replays

            **Execution**:
            ```ts
            import { run } from '@/node-keys/plain/src';
            ```

            **Manual Alternative**: by hand
            **Rollback**: none

        "#]],
    );
    // The KEY exports what is imported: its import is offered too.
    check_fix(
        r#"
### Action 1: Replay (REVERSIBLE)

**Precondition**: events failed
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

```ts
import { replayFailedWebhooks } from '@/node-keys/webhook-monitoring/src';
```
"#,
        DiagnosticCode::KeyImportMismatch,
        "Use the import of the KEY: `@/node-keys/stripe-webhook-replay/src`",
        expect![[r#"
            fix "Use the import of the KEY: `@/node-keys/stripe-webhook-replay/src`" ()
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed
            - **KEY**: `node-stripe-webhook-replay`
            - **Side Effects**: replays

            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            ```

        "#]],
    );
}

#[test]
fn pack_reference_mismatch_edits_pack_json() {
    let pack = r#"//- /runbooks/webhooks/pack.json
{
  "name": "webhooks",
  "references_node_keys": [
    "node-stripe-webhook-replay",
    "node-event-purge"
  ]
}
"#;
    let runbook = r#"//- /runbooks/webhooks/README.md
Uses `node-stripe-webhook-replay` and `node-webhook-monitoring`.
"#;
    check_fix(
        &format!("{runbook}{pack}"),
        DiagnosticCode::PackReferenceMismatch,
        "Add `node-webhook-monitoring` to `references_node_keys` in pack.json",
        expect![[r#"
            fix "Add `node-webhook-monitoring` to `references_node_keys` in pack.json" (preferred, unattended)
            //- /runbooks/webhooks/pack.json
            {
              "name": "webhooks",
              "references_node_keys": [
                "node-stripe-webhook-replay",
                "node-event-purge",
                "node-webhook-monitoring"
              ]
            }

        "#]],
    );
    check_fix(
        &format!("{runbook}{pack}"),
        DiagnosticCode::PackReferenceMismatch,
        "Remove `node-event-purge` from `references_node_keys` in pack.json",
        expect![[r#"
            fix "Remove `node-event-purge` from `references_node_keys` in pack.json" (preferred, unattended)
            //- /runbooks/webhooks/pack.json
            {
              "name": "webhooks",
              "references_node_keys": [
                "node-stripe-webhook-replay"
              ]
            }

        "#]],
    );
}

#[test]
fn rules_without_fixes() {
    check_offered(
        r#"
### Action 1: Purge the Queue (SAFE)

**Precondition**: none

**Execution**:
```ts
a();
a();
a();
a();
a();
a();
a();
a();
a();
a();
a();
```
"#,
        expect![[r#"
            hidden-execution
        "#]],
    );
}

/// Runs the source actions and fix-all of the fixture's runbook at its `$0`.
#[track_caller]
fn check_source_action(fixture: &str, kind: AssistKind, expect: Expect) {
    let fixture = Fixture::parse(&format!("{fixture}{KEYS}"));
    let path = fixture_path(&fixture, fixture.main_file());
    let analysis = analysis(&fixture);
    let range = runbook_syntax::TextRange::empty(fixture.cursor_offset());
    let query = AssistQuery { range, kinds: Some(vec![kind]), resolve: true, ..AssistQuery::default() };
    let assists = analysis.assists(&path, &query);
    let mut out = String::new();
    for assist in &assists {
        writeln!(out, "{}", assist.label).unwrap();
        render_files(&mut out, &apply(&analysis, assist.source_change.as_ref().unwrap()));
    }
    expect.assert_eq(&out);
}

#[test]
fn fill_in_every_missing_field_of_an_action() {
    check_source_action(
        r#"
### Act$0ion 1: Replay Events (REVERSIBLE)

**Automated (Preferred)**:
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
"#,
        AssistKind::Source,
        expect![[r#"
            Fill in every missing field of Action 1
            //- /runbook.md

            ### Action 1: Replay Events (REVERSIBLE)

            **Preconditions**:
            - Failed events identified
            - The endpoint is up

            **Automated (Preferred)**:
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
            - **Side Effects**:
              - Replays webhook events
              - Updates the database
              - Sends a notification

            **Execution**:
            ```ts
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
            ```

            **Manual Alternative**: TODO: say how to do it by hand when the automation fails

            **Rollback**: Replaying twice is harmless

        "#]],
    );
    // Not offered away from the heading, nor on a complete Action.
    check_source_action("### Action 1: Restart (SAFE)\n\n**Precondition**: x$0\n", AssistKind::Source, expect![[""]]);
    check_source_action("### Action 1: Restart (SAFE)$0\n\n**Precondition**: x\n", AssistKind::Source, expect![[""]]);
}

#[test]
fn fix_all_applies_fixes_until_nothing_changes() {
    // Correcting the KEY makes its Location fixable: the second pass does it.
    check_source_action(
        r#"
### Action 1: Replay (REVERSABLE)$0

**Precondition**: events failed
- **KEY**: `node-stripe-webhok-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`
- **Side Effects**: replays

```ts
import { replayFailedWebhooks, countFailedWebhook } from '@/node-keys/stripe-webhook-replay/src';
import { checkWebhookHealth } from '@/node-keys/webhook-monitor/src';
```
"#,
        AssistKind::FixAll,
        expect![[r#"
            Apply every unambiguous fix in this file
            //- /runbook.md

            ### Action 1: Replay (REVERSIBLE)

            **Precondition**: events failed
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
            - **Side Effects**: replays

            ```ts
            import { replayFailedWebhooks, countFailedWebhook } from '@/node-keys/stripe-webhook-replay/src';
            import { checkWebhookHealth } from '@/node-keys/webhook-monitoring/src';
            ```

        "#]],
    );
}

#[test]
fn fix_all_twice_changes_nothing_the_second_time() {
    let fixture = Fixture::parse(&format!(
        "{}{KEYS}",
        r#"//- /runbooks/webhooks/README.md
### Action 1: Replay (REVERSABLE)

- **KEY**: `node-stripe-webhok-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`
Also `node-webhook-monitorin`.
//- /runbooks/webhooks/pack.json
{ "references_node_keys": ["node-event-purge"] }
"#
    ));
    let path = fixture_path(&fixture, 0);
    let analysis = analysis(&fixture);
    let first = analysis.fix_all(&path);
    assert!(!first.source_change.is_empty());
    let fixed = analysis.with_file_texts(apply(&analysis, &first.source_change));
    let second = fixed.fix_all(&path);
    assert!(second.source_change.is_empty(), "{second:#?}");
    let codes: Vec<&str> = first.fixed.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(
        codes,
        [
            // The first pass; pack.json lists no KEY of the runbook yet.
            "pack-reference-mismatch",
            "unknown-safety-class",
            "unknown-key",
            "unknown-key",
            // The second: the KEYs are known, so pack.json can list them and
            // the Location can be set to the entry of the Action's KEY.
            "pack-reference-mismatch",
            "location-mismatch",
            "pack-reference-mismatch",
        ]
    );
    expect![[r#"
        { "references_node_keys": ["node-stripe-webhook-replay", "node-webhook-monitoring"] }

    "#]]
    .assert_eq(&fixed.file_text(&PathBuf::from("/ws/runbooks/webhooks/pack.json")).unwrap());
}
