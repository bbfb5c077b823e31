//! One fixture per question the audit inventory answers: the inventory of
//! the fixture's workspace, rendered one fact per line (refresh with
//! `UPDATE_EXPECT=1`).

use std::fmt::Write;

use expect_test::{Expect, expect};
use runbook_syntax::fixture::Fixture;

use super::{ActionInventory, Finding, Inventory, SideEffectSource};
use crate::hover::tests::KEYS;
use crate::test_utils::analysis_host;

#[track_caller]
fn check(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let (host, _, _) = analysis_host(&fixture);
    expect.assert_eq(&render(&host.analysis().inventory()));
}

fn with_keys(runbook: &str) -> String {
    format!("//- /runbooks/runbook.md\n{runbook}{KEYS}")
}

fn render(inventory: &Inventory) -> String {
    let mut out = String::new();
    let summary = &inventory.summary;
    let classes: Vec<String> = summary
        .actions_by_class
        .iter()
        .map(|count| format!("{} {}", count.class.map_or("unclassified", |class| class.as_str()), count.count))
        .collect();
    writeln!(out, "runbooks {}, actions {}: {}", summary.n_runbooks, summary.n_actions, classes.join(", ")).unwrap();
    for action in &summary.irreversible_without_warning {
        writeln!(out, "irreversible without warning: {} Action {}", action.path, action.number).unwrap();
    }
    for undeclared in &summary.undeclared_side_effects {
        let action = &undeclared.action;
        let effects = undeclared.side_effects.join("; ");
        writeln!(out, "undeclared: {} Action {} {}: {effects}", action.path, action.number, undeclared.key).unwrap();
    }
    for count in &summary.findings_by_code {
        writeln!(out, "findings {} ({}): {}", count.code, count.severity, count.count).unwrap();
    }
    for key in &summary.unused_keys {
        writeln!(out, "unused KEY {} ({})", key.slug, key.title.as_deref().unwrap_or("-")).unwrap();
    }
    for runbook in &inventory.runbooks {
        writeln!(out, "\n{} {:?}", runbook.path, runbook.title.as_deref().unwrap_or("-")).unwrap();
        for action in &runbook.actions {
            render_action(&mut out, action);
        }
        render_findings(&mut out, "  ", &runbook.findings);
    }
    writeln!(out).unwrap();
    for key in &inventory.keys {
        let class = key.safety.map_or("-", |class| class.as_str());
        let title = key.title.as_deref().unwrap_or("-");
        writeln!(out, "KEY {} [{class}] {title:?}, run by {} Actions", key.slug, key.n_actions).unwrap();
    }
    if !inventory.other_findings.is_empty() {
        writeln!(out, "\nother findings").unwrap();
        render_findings(&mut out, "  ", &inventory.other_findings);
    }
    out
}

fn render_action(out: &mut String, action: &ActionInventory) {
    let class = action.safety.map_or("unclassified", |class| class.as_str());
    writeln!(out, "  Action {} (line {}): {} [{class}]", action.number, action.line, action.title).unwrap();
    if let Some(declared) = &action.declared_safety {
        let class = declared.class.map_or("-", |class| class.as_str());
        writeln!(out, "    declared by {}: {class}", declared.key).unwrap();
    }
    for key in &action.keys {
        let exports: Vec<String> = key
            .exports
            .iter()
            .map(|export| {
                let mut name = export.name.clone();
                if !export.known {
                    name.push_str(" (unknown)");
                }
                if export.called {
                    name.push_str("()");
                }
                name
            })
            .collect();
        let known = if key.known { "" } else { " (unknown)" };
        let title = key.title.as_deref().unwrap_or("-");
        let exports = if exports.is_empty() { String::new() } else { format!(": {}", exports.join(", ")) };
        writeln!(out, "    KEY {}{known} {title:?}{exports}", key.slug).unwrap();
    }
    for effect in &action.side_effects {
        let sources: Vec<String> = effect
            .sources
            .iter()
            .map(|source| match source {
                SideEffectSource::Action => "action".to_string(),
                SideEffectSource::Manifest { key } => format!("manifest {key}"),
                SideEffectSource::Jsdoc { key, export } => format!("jsdoc {key}.{export}"),
            })
            .collect();
        writeln!(out, "    side effect {:?} [{}]", effect.text, sources.join(", ")).unwrap();
    }
    for precondition in &action.preconditions {
        writeln!(out, "    precondition {precondition:?}").unwrap();
    }
    if let Some(rollback) = &action.rollback {
        writeln!(out, "    rollback {rollback:?}").unwrap();
    }
    writeln!(out, "    warning {}, manual alternative {}", action.has_warning, action.has_manual_alternative).unwrap();
    render_findings(out, "    ", &action.findings);
}

fn render_findings(out: &mut String, indent: &str, findings: &[Finding]) {
    for finding in findings {
        writeln!(
            out,
            "{indent}{}:{}:{} {}[{}] {}",
            finding.path, finding.line, finding.column, finding.severity, finding.code, finding.message
        )
        .unwrap();
    }
}

#[test]
fn action_with_key_manifest_and_jsdoc_side_effects() {
    check(
        &with_keys(
            r#"# Replay

## Action Steps

### Action 1: Replay Failed Events (REVERSIBLE)

**Preconditions**:
- Identified failed events
- The endpoint is back

- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**:
  - Replays webhook events from `Stripe`

**Execution**:
```typescript
import { replayFailedWebhooks, countFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhooks({ startTime: new Date() });
```

**Manual Alternative**: resend from the dashboard

**Rollback**: Events are idempotent,
no rollback needed.
```bash
echo "a command, not a statement"
```

Replay again if in doubt.
"#,
        ),
        expect![[r#"
            runbooks 1, actions 1: SAFE 0, REVERSIBLE 1, IRREVERSIBLE 0, unclassified 0
            undeclared: runbooks/runbook.md Action 1 node-stripe-webhook-replay: Updates the database with event data; Writes replayed events to the `webhook_events` table
            unused KEY node-webhook-monitoring (Webhook Monitoring)
            unused KEY node-webhook-secret-update (Webhook Secret Update)

            runbooks/runbook.md "Replay"
              Action 1 (line 5): Replay Failed Events [REVERSIBLE]
                KEY node-stripe-webhook-replay "Stripe Webhook Replay": replayFailedWebhooks(), countFailedWebhooks
                side effect "Replays webhook events from `Stripe`" [action, manifest node-stripe-webhook-replay]
                side effect "Updates the database with event data" [manifest node-stripe-webhook-replay]
                side effect "Writes replayed events to the `webhook_events` table" [jsdoc node-stripe-webhook-replay.replayFailedWebhooks]
                precondition "Identified failed events"
                precondition "The endpoint is back"
                rollback "Events are idempotent, no rollback needed. Replay again if in doubt."
                warning false, manual alternative true

            KEY node-stripe-webhook-replay [REVERSIBLE] "Stripe Webhook Replay", run by 1 Actions
            KEY node-webhook-monitoring [SAFE] "Webhook Monitoring", run by 0 Actions
            KEY node-webhook-secret-update [REVERSIBLE] "Webhook Secret Update", run by 0 Actions
        "#]],
    );
}

#[test]
fn safety_classes_warnings_and_declared_class() {
    check(
        &with_keys(
            r#"## Action Steps

### Action 1: Look (SAFE)

**Precondition**: none

**KEY**: `node-stripe-webhook-replay`

**Side Effects**: Replays webhook events from Stripe.

### Action 2: Purge (IRREVERSIBLE)

**Precondition**: none

### Action 3: Drop (REVERSIBLE)

**Safety**: IRREVERSIBLE - gone for good

**Precondition**: none

**Warning**: cannot be undone

### Action 4: Unsure
"#,
        ),
        expect![[r#"
            runbooks 1, actions 4: SAFE 1, REVERSIBLE 0, IRREVERSIBLE 2, unclassified 1
            irreversible without warning: runbooks/runbook.md Action 2
            undeclared: runbooks/runbook.md Action 1 node-stripe-webhook-replay: Updates the database with event data
            findings irreversible-without-warning (warning): 1
            findings missing-precondition (warning): 1
            findings missing-safety (warning): 1
            findings safety-mismatch (warning): 2
            unused KEY node-webhook-monitoring (Webhook Monitoring)
            unused KEY node-webhook-secret-update (Webhook Secret Update)

            runbooks/runbook.md "-"
              Action 1 (line 3): Look [SAFE]
                declared by node-stripe-webhook-replay: REVERSIBLE
                KEY node-stripe-webhook-replay "Stripe Webhook Replay"
                side effect "Replays webhook events from Stripe." [action, manifest node-stripe-webhook-replay]
                side effect "Updates the database with event data" [manifest node-stripe-webhook-replay]
                precondition "none"
                warning false, manual alternative false
                runbooks/runbook.md:3:21 warning[safety-mismatch] KEY `node-stripe-webhook-replay` declares itself REVERSIBLE (key.json of `node-stripe-webhook-replay`) but Action 1 is classified SAFE: classify the Action REVERSIBLE
              Action 2 (line 11): Purge [IRREVERSIBLE]
                precondition "none"
                warning false, manual alternative false
                runbooks/runbook.md:11:5 warning[irreversible-without-warning] Action 2 is IRREVERSIBLE but has no **Warning** field: say what cannot be undone
              Action 3 (line 15): Drop [IRREVERSIBLE]
                precondition "none"
                warning true, manual alternative false
                runbooks/runbook.md:17:13 warning[safety-mismatch] the **Safety** field says IRREVERSIBLE but the heading of Action 3 says REVERSIBLE
              Action 4 (line 23): Unsure [unclassified]
                warning false, manual alternative false
                runbooks/runbook.md:23:5 warning[missing-precondition] Action 4 has no **Preconditions** field: say what must be true before it runs
                runbooks/runbook.md:23:5 warning[missing-safety] Action 4 has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field

            KEY node-stripe-webhook-replay [REVERSIBLE] "Stripe Webhook Replay", run by 1 Actions
            KEY node-webhook-monitoring [SAFE] "Webhook Monitoring", run by 0 Actions
            KEY node-webhook-secret-update [REVERSIBLE] "Webhook Secret Update", run by 0 Actions
        "#]],
    );
}

#[test]
fn unknown_keys_and_exports_are_listed_as_unknown() {
    check(
        &with_keys(
            r#"### Action 1: Replay (REVERSIBLE)

- **KEY**: `node-stripe-webhok-replay`

```typescript
import { replayFailedWebhook } from '@/node-keys/stripe-webhook-replay/src';
import { x } from '@/node-keys/nowhere/src';
await replayFailedWebhook({});
```
"#,
        ),
        expect![[r#"
            runbooks 1, actions 1: SAFE 0, REVERSIBLE 1, IRREVERSIBLE 0, unclassified 0
            undeclared: runbooks/runbook.md Action 1 node-stripe-webhook-replay: Replays webhook events from Stripe; Updates the database with event data
            findings missing-manual-alternative (info): 1
            findings missing-precondition (warning): 1
            findings missing-rollback (warning): 1
            findings missing-side-effects (warning): 1
            findings unknown-export (error): 1
            findings unknown-key (error): 1
            findings unresolved-import (error): 1
            unused KEY node-webhook-monitoring (Webhook Monitoring)
            unused KEY node-webhook-secret-update (Webhook Secret Update)

            runbooks/runbook.md "-"
              Action 1 (line 1): Replay [REVERSIBLE]
                KEY node-stripe-webhok-replay (unknown) "-"
                KEY node-stripe-webhook-replay "Stripe Webhook Replay": replayFailedWebhook (unknown)()
                side effect "Replays webhook events from Stripe" [manifest node-stripe-webhook-replay]
                side effect "Updates the database with event data" [manifest node-stripe-webhook-replay]
                warning false, manual alternative false
                runbooks/runbook.md:1:5 warning[missing-precondition] Action 1 has no **Preconditions** field: say what must be true before it runs
                runbooks/runbook.md:1:5 warning[missing-rollback] Action 1 has no **Rollback** field, but it is REVERSIBLE: say how to undo it
                runbooks/runbook.md:1:5 warning[missing-side-effects] Action 1 runs a KEY but has no **Side Effects** field: say what the KEY changes
                runbooks/runbook.md:1:5 info[missing-manual-alternative] Action 1 executes a KEY but has no **Manual Alternative** for when the automation fails
                runbooks/runbook.md:3:13 error[unknown-key] no KEY is named `node-stripe-webhok-replay`: did you mean `node-stripe-webhook-replay`?
                runbooks/runbook.md:6:10 error[unknown-export] KEY `node-stripe-webhook-replay` does not export `replayFailedWebhook`: did you mean one of `replayFailedWebhooks`, `countFailedWebhooks`?
                runbooks/runbook.md:7:20 error[unresolved-import] no KEY folder `nowhere` in node-keys/

            KEY node-stripe-webhook-replay [REVERSIBLE] "Stripe Webhook Replay", run by 1 Actions
            KEY node-webhook-monitoring [SAFE] "Webhook Monitoring", run by 0 Actions
            KEY node-webhook-secret-update [REVERSIBLE] "Webhook Secret Update", run by 0 Actions
        "#]],
    );
}

#[test]
fn markdown_without_actions_outside_the_runbook_globs_is_not_a_runbook_but_its_findings_count() {
    check(
        r#"
//- /runbook-keys/stripe/README.md
# Stripe

## Scope
//- /docs/notes.md
# Notes

Nothing to run, but `node-nope` is named.
//- /node-keys/lonely/key.json
{ "slug": "lonely", "title": "Lonely <KEY>" }
//- /node-keys/broken/key.json
{ "slug": 3 }
"#,
        expect![[r#"
            runbooks 1, actions 0: SAFE 0, REVERSIBLE 0, IRREVERSIBLE 0, unclassified 0
            findings invalid-key-manifest (error): 1
            findings missing-section (warning): 9
            findings unknown-key (error): 1
            unused KEY node-broken (-)
            unused KEY node-lonely (Lonely <KEY>)

            runbook-keys/stripe/README.md "Stripe"
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## When to Use This Runbook` section (it comes after Scope)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## When NOT to Use This Runbook` section (it comes after When to Use This Runbook)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Immediate Safety Checks (First 2 Minutes)` section (it comes after When NOT to Use This Runbook)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Diagnosis Flow` section (it comes after Immediate Safety Checks (First 2 Minutes))
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Action Steps` section (it comes after Diagnosis Flow)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Verification` section (it comes after Action Steps)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Rollback / Escalation` section (it comes after Verification)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Evidence & Audit Notes` section (it comes after Rollback / Escalation)
              runbook-keys/stripe/README.md:1:3 warning[missing-section] this runbook has no `## Post-Incident Follow-Ups` section (it comes after Evidence & Audit Notes)

            KEY node-broken [-] "-", run by 0 Actions
            KEY node-lonely [-] "Lonely <KEY>", run by 0 Actions

            other findings
              docs/notes.md:3:22 error[unknown-key] no KEY is named `node-nope`
              node-keys/broken/key.json:1:11 error[invalid-key-manifest] `slug` must be a string, found a number
        "#]],
    );
}
