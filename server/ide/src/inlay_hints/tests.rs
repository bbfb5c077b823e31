//! Inlay hints: each hint at its place (the text before it on its line),
//! its label and its tooltip (refresh with `UPDATE_EXPECT=1`).

use std::fmt::Write;

use expect_test::{Expect, expect};
use runbook_syntax::fixture::Fixture;

use super::mentions;
use crate::hover::tests::KEYS;
use crate::settings::{ConfigFile, ConfigLayer};
use crate::test_utils::host;

#[track_caller]
fn check_with(runbook: &str, layer: ConfigLayer, expect: Expect) {
    let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{KEYS}"));
    let (mut host, path, text) = host(&fixture);
    host.set_settings(ConfigFile { layer, ..ConfigFile::default() }, Vec::new());
    let mut out = String::new();
    for hint in host.analysis().inlay_hints(&path, None) {
        let line_start = text[..hint.offset].rfind('\n').map_or(0, |at| at + 1);
        writeln!(out, "after {:?}: {} ({:?})", &text[line_start..hint.offset], hint.label, hint.kind).unwrap();
        for line in hint.tooltip.lines() {
            writeln!(out, "    {line}").unwrap();
        }
    }
    expect.assert_eq(&out);
}

#[track_caller]
fn check(runbook: &str, expect: Expect) {
    check_with(runbook, ConfigLayer::default(), expect);
}

#[test]
fn declared_class_and_unlisted_side_effects() {
    check(
        r#"### Action 1: Replay Events (SAFE)

- **KEY**: `node-stripe-webhook-replay`, again `node-stripe-webhook-replay`
- **Side Effects**:
  - Replays webhook events
  - Updates database

### Action 2: Rotate Secret

**KEY**: `node-webhook-secret-update`

### Action 3: Probe (SAFE)

**KEY**: `node-webhook-monitoring` and `node-stripe-webhok-replay`

### Action 4: Rotate Again (IRREVERSIBLE)

**KEY**: `node-webhook-secret-update`

**Side Effects**: restarts the service; rotates the secret
"#,
        expect![[r#"
            after "- **KEY**: `node-stripe-webhook-replay`": declares REVERSIBLE (DeclaredSafety(Reversible))
                KEY `node-stripe-webhook-replay` declares **REVERSIBLE**; Action 1 states **SAFE**.
            after "- **KEY**: `node-stripe-webhook-replay`": 1 side effect not listed (UnlistedSideEffects(1))
                KEY `node-stripe-webhook-replay` declares 1 side effect that Action 1 does not list (its **Side Effects** field does not mention):
                - Writes replayed events to the `webhook_events` table
            after "**KEY**: `node-webhook-secret-update`": declares REVERSIBLE (DeclaredSafety(Reversible))
                KEY `node-webhook-secret-update` declares **REVERSIBLE**; Action 2 states no safety class.
            after "**KEY**: `node-webhook-secret-update`": 1 side effect not listed (UnlistedSideEffects(1))
                KEY `node-webhook-secret-update` declares 1 side effect that Action 2 does not list (it has no **Side Effects** field):
                - Restarts the application service
        "#]],
    );
}

#[test]
fn the_setting_turns_them_off() {
    check_with(
        "### Action 1: Replay (SAFE)\n\n**KEY**: `node-stripe-webhook-replay`\n",
        ConfigLayer { inlay_hints: Some(false), ..ConfigLayer::default() },
        expect![""],
    );
}

#[test]
fn what_counts_as_mentioned() {
    for (item, effect, mentioned) in [
        ("Restarts the service", "Restarts the application service", true),
        ("Updates database with event data", "Updates the database with event data", true),
        ("replays events", "Replays webhook events from Stripe", true),
        ("Sends webhook events", "Sends an email notification on completion", false),
        ("None (read-only)", "Writes the audit log", false),
        ("-", "", false),
    ] {
        assert_eq!(mentions(item, effect), mentioned, "{item:?} mentions {effect:?}");
    }
}
