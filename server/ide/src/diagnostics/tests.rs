//! One fixture per rule that triggers it and one that does not.

use std::fmt::Write;

use expect_test::{Expect, expect};
use runbook_syntax::Parse;
use runbook_syntax::fixture::Fixture;

use crate::test_utils::{EmptyFs, WORKSPACE_ROOT, fixture_path, quote};

mod every_rule;
mod incremental;
mod keys;
mod structure;
use crate::{File, IdeConfig, Workspace, diagnostics};

#[track_caller]
fn check(fixture: &str, expect: Expect) {
    check_with(fixture, &IdeConfig::default(), expect);
}

/// Without the KEY index, as before it is ready.
#[track_caller]
fn check_without_index(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let main = fixture.main_file();
    let parse = Parse::new(&fixture.files[main].text);
    let path = fixture_path(&fixture, main);
    let root = std::path::PathBuf::from(WORKSPACE_ROOT);
    let workspace = Workspace { root: &root, config: &IdeConfig::default(), catalog: None, fs: &EmptyFs, packs: None };
    let found = diagnostics(&File { path: &path, parse: &parse }, &workspace);
    expect.assert_eq(&render(parse.text(), &found));
}

#[track_caller]
fn check_with(fixture: &str, config: &IdeConfig, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let main = fixture.main_file();
    let parse = Parse::new(&fixture.files[main].text);
    let path = fixture_path(&fixture, main);
    let root = std::path::PathBuf::from(WORKSPACE_ROOT);
    let (fs, catalog) = crate::test_utils::catalog(&fixture);
    let workspace = Workspace { root: &root, config, catalog: Some(&catalog), fs: &fs, packs: None };
    let found = diagnostics(&File { path: &path, parse: &parse }, &workspace);
    expect.assert_eq(&render(parse.text(), &found));
}

fn render(text: &str, found: &[crate::Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in found {
        writeln!(
            out,
            "{} {} {}: {}",
            diagnostic.severity,
            diagnostic.code,
            quote(text, diagnostic.range),
            diagnostic.message
        )
        .unwrap();
        for related in &diagnostic.related {
            match &related.location {
                crate::RelatedLocation::Here(range) => {
                    writeln!(out, "  related {}: {}", quote(text, *range), related.message).unwrap()
                }
                crate::RelatedLocation::File { path, range } => writeln!(
                    out,
                    "  related {}:{}:{}: {}",
                    path.display(),
                    range.start.line + 1,
                    range.start.utf32 + 1,
                    related.message
                )
                .unwrap(),
            }
        }
        for fix in &diagnostic.fixes {
            let mut notes = Vec::new();
            if fix.is_preferred {
                notes.push("preferred");
            }
            if fix.unattended {
                notes.push("unattended");
            }
            let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
            writeln!(out, "  fix {}{notes}", fix.label).unwrap();
        }
    }
    out
}

#[test]
fn clean_action_has_no_findings() {
    check(
        r#"
### Action 1: Replay Failed Webhook Events (REVERSIBLE)

**Precondition**: Identified failed events in Step 3

**Automated (Preferred)**:
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: Replays events

**Execution**:
```typescript
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhooks({ dryRun: true });
```

**Manual Alternative (If Automation Fails)**: resend from the dashboard

**Rollback**: Events are idempotent, no rollback needed
"#,
        expect![[""]],
    );
}

#[test]
fn missing_precondition() {
    check(
        r#"
### Action 1: Restart (SAFE)

**Action**: restart
"#,
        expect![[r#"
            warning missing-precondition 2:5-2:29 "Action 1: Restart (SAFE)": Action 1 has no **Preconditions** field: say what must be true before it runs
              fix Insert a **Preconditions** field (preferred)
        "#]],
    );
    check(
        r#"
### Action 1: Restart (SAFE)

- **Preconditions**: the service hangs
"#,
        expect![[""]],
    );
}

#[test]
fn missing_rollback() {
    check(
        r#"
### Action 1: Update Secret (REVERSIBLE)

**Precondition**: mismatch
"#,
        expect![[r#"
            warning missing-rollback 2:5-2:41 "Action 1: Update Secret (REVERSIBLE)": Action 1 has no **Rollback** field, but it is REVERSIBLE: say how to undo it
              fix Insert a **Rollback** field (preferred)
        "#]],
    );
    // Unclassified and referencing a KEY.
    check(
        r#"
### Action 2: Check health

**Precondition**: none
**KEY**: `jupyter-health-report`
"#,
        expect![[r#"
            warning missing-rollback 2:5-2:27 "Action 2: Check health": Action 2 has no **Rollback** field, but it runs a KEY and states no safety class: say how to undo it
              fix Insert a **Rollback** field (preferred)
            warning missing-safety 2:5-2:27 "Action 2: Check health": Action 2 has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field
              fix Classify Action 2 as SAFE
              fix Classify Action 2 as REVERSIBLE
              fix Classify Action 2 as IRREVERSIBLE
        "#]],
    );
    check(
        r#"
### Action 1: Update Secret (REVERSIBLE)

**Precondition**: mismatch

**Rollbacks**: restore the previous secret
"#,
        expect![[""]],
    );
}

#[test]
fn irreversible_without_warning() {
    check(
        r#"
### Action 5: Disable Webhook Endpoint (IRREVERSIBLE - USE WITH CAUTION)

**Precondition**: All other actions failed
"#,
        expect![[r#"
            warning irreversible-without-warning 2:5-2:73 "Action 5: Disable Webhook Endpoint (IRREVERSIBLE - USE WITH CAUTION)": Action 5 is IRREVERSIBLE but has no **Warning** field: say what cannot be undone
              fix Insert a **Warning** field (preferred)
        "#]],
    );
    check(
        r#"
### Action 5: Disable Webhook Endpoint (IRREVERSIBLE - USE WITH CAUTION)

**Precondition**: All other actions failed

**Warning**: This will stop all subscription updates.
"#,
        expect![[""]],
    );
}

#[test]
fn missing_safety_and_unknown_safety_class() {
    check(
        r#"
### Action 1: Restart

**Precondition**: hang
"#,
        expect![[r#"
            warning missing-safety 2:5-2:22 "Action 1: Restart": Action 1 has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field
              fix Classify Action 1 as SAFE
              fix Classify Action 1 as REVERSIBLE
              fix Classify Action 1 as IRREVERSIBLE
        "#]],
    );
    check(
        r#"
### Action 1: Restart (REVERSABLE)

**Precondition**: hang

**Rollback**: restart again
"#,
        expect![[r#"
            error unknown-safety-class 2:24-2:34 "REVERSABLE": `REVERSABLE` is not a safety class: did you mean REVERSIBLE? (SAFE, REVERSIBLE or IRREVERSIBLE)
              fix Change to REVERSIBLE (preferred, unattended)
        "#]],
    );
    check(
        r#"
### Action 1: Restart

**Precondition**: hang

**Safety**: IRREVERSABLE - cannot be undone
"#,
        expect![[r#"
            error unknown-safety-class 6:13-6:25 "IRREVERSABLE": `IRREVERSABLE` is not a safety class: did you mean IRREVERSIBLE? (SAFE, REVERSIBLE or IRREVERSIBLE)
              fix Change to IRREVERSIBLE (preferred, unattended)
        "#]],
    );
    // A parenthetical that is part of the title is not a class.
    check(
        r#"
### Action 1: Export Data (Save to S3)

**Precondition**: hang
**Safety**: SAFE - read only
"#,
        expect![""],
    );
}

#[test]
fn safety_mismatch_between_heading_and_field() {
    check(
        r#"
### Action 1: Update Secret (REVERSIBLE)

**Precondition**: mismatch
**Safety**: IRREVERSIBLE - the old secret is gone
**Warning**: the old secret is gone
**Rollback**: none
"#,
        expect![[r#"
            warning safety-mismatch 5:13-5:25 "IRREVERSIBLE": the **Safety** field says IRREVERSIBLE but the heading of Action 1 says REVERSIBLE
              related 2:30-2:40 "REVERSIBLE": the heading says REVERSIBLE
              fix Change the heading to IRREVERSIBLE (preferred)
              fix Change the **Safety** field to REVERSIBLE
        "#]],
    );
    check(
        r#"
### Action 1: Update Secret (REVERSIBLE)

**Precondition**: mismatch
**Safety**: REVERSIBLE - Can restore previous secret
**Rollback**: restore
"#,
        expect![""],
    );
}
