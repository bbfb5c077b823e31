//! The canonical sections, the pack.json cross-check, suppression comments
//! and configured rule levels.

use std::collections::HashMap;

use expect_test::expect;

use super::{check, check_with};
use crate::{DiagnosticCode, IdeConfig, RuleLevel, Severity};

const CANONICAL: &str = "# Webhook Runbook

## Scope
## When to Use This Runbook
## When NOT to Use This Runbook
## Immediate Safety Checks (First 2 Minutes)
## Diagnosis Flow
## Action Steps
## Verification
### Immediate Verification (Within 5 Minutes)
## Rollback / Escalation
## Evidence & Audit Notes
## Post-Incident Follow-Ups
";

#[test]
fn canonical_structure_is_clean() {
    check(&format!("//- /runbook-keys/webhooks/README.md\n{CANONICAL}"), expect![[""]]);
}

#[test]
fn missing_and_misplaced_sections() {
    check(
        "//- /runbook-keys/webhooks/README.md
# Webhook Runbook

## Scope
## Action Steps
## When to Use This Runbook
## Immediate Safety Checks
## Diagnosis
## Rollback
## Post Incident Follow-ups
## Evidence and Audit Notes
",
        expect![[r#"
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `## When NOT to Use This Runbook` section (it comes after When to Use This Runbook)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `## Verification` section (it comes after Action Steps)
            warning section-order 4:4-4:16 "Action Steps": `Action Steps` is out of the canonical order: it belongs after `Diagnosis Flow`
            warning section-order 10:4-10:28 "Evidence and Audit Notes": `Evidence and Audit Notes` is out of the canonical order: it belongs after `Rollback / Escalation`
        "#]],
    );
}

#[test]
fn structure_rules_only_apply_to_runbook_files() {
    check("//- /docs/notes.md\n# Notes\n\n## Action Steps\n", expect![[""]]);
    let config =
        IdeConfig::new(HashMap::new(), vec!["docs/**/*.md".to_string()], runbook_keys::KeyRoot::defaults()).unwrap();
    check_with(
        "//- /docs/deep/notes.md\n# Notes\n\n## Action Steps\n",
        &config,
        expect![[r#"
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Scope` section (it comes first)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## When to Use This Runbook` section (it comes after Scope)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## When NOT to Use This Runbook` section (it comes after When to Use This Runbook)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Immediate Safety Checks (First 2 Minutes)` section (it comes after When NOT to Use This Runbook)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Diagnosis Flow` section (it comes after Immediate Safety Checks (First 2 Minutes))
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Verification` section (it comes after Action Steps)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Rollback / Escalation` section (it comes after Verification)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Evidence & Audit Notes` section (it comes after Rollback / Escalation)
            warning missing-section 1:3-1:8 "Notes": this runbook has no `## Post-Incident Follow-Ups` section (it comes after Evidence & Audit Notes)
        "#]],
    );
}

#[test]
fn pack_references() {
    check(
        r#"//- /runbook-keys/webhooks/README.md
# Webhook Runbook

Uses `node-stripe-webhook-replay`, `node-webhook-monitoring` twice: `node-webhook-monitoring`, and `jupyter-report`.
//- /runbook-keys/webhooks/pack.json
{
  "references_node_keys": ["node-stripe-webhook-replay", "node-stripe-webhook-entitlement"],
  "references_jupyter_keys": ["jupyter-report"]
}
//- /runbook-keys/webhooks/checklist.md
Uses `node-other` but is not the runbook.
"#,
        expect![[r#"
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Scope` section (it comes first)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# When to Use This Runbook` section (it comes after Scope)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# When NOT to Use This Runbook` section (it comes after When to Use This Runbook)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Immediate Safety Checks (First 2 Minutes)` section (it comes after When NOT to Use This Runbook)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Diagnosis Flow` section (it comes after Immediate Safety Checks (First 2 Minutes))
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Action Steps` section (it comes after Diagnosis Flow)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Verification` section (it comes after Action Steps)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Rollback / Escalation` section (it comes after Verification)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Evidence & Audit Notes` section (it comes after Rollback / Escalation)
            warning missing-section 1:3-1:18 "Webhook Runbook": this runbook has no `# Post-Incident Follow-Ups` section (it comes after Evidence & Audit Notes)
            info pack-reference-mismatch 1:3-1:18 "Webhook Runbook": pack.json lists `node-stripe-webhook-entitlement` in `references_node_keys` but this runbook never references it
              related /ws/runbook-keys/webhooks/pack.json:2:59: `node-stripe-webhook-entitlement` is listed here
              fix Remove `node-stripe-webhook-entitlement` from `references_node_keys` in pack.json (preferred, unattended)
            info pack-reference-mismatch 3:37-3:60 "node-webhook-monitoring": `node-webhook-monitoring` is used here but pack.json does not list it in `references_node_keys`
              fix Add `node-webhook-monitoring` to `references_node_keys` in pack.json
        "#]],
    );
}

#[test]
fn suppression_comments() {
    check(
        r#"### Action 1: Restart

<!-- runbook-ls-disable-next-line missing-precondition -->
### Action 2: Restart again

<!-- runbook-ls-disable missing-safety, missing-precondition -->

### Action 3: And again
"#,
        expect![[r#"
            warning missing-precondition 1:5-1:22 "Action 1: Restart": Action 1 has no **Preconditions** field: say what must be true before it runs
              fix Insert a **Preconditions** field (preferred)
            warning missing-safety 1:5-1:22 "Action 1: Restart": Action 1 has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field
              fix Classify Action 1 as SAFE
              fix Classify Action 1 as REVERSIBLE
              fix Classify Action 1 as IRREVERSIBLE
            warning missing-safety 4:5-4:28 "Action 2: Restart again": Action 2 has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field
              fix Classify Action 2 as SAFE
              fix Classify Action 2 as REVERSIBLE
              fix Classify Action 2 as IRREVERSIBLE
        "#]],
    );
}

#[test]
fn configured_levels() {
    let rules = HashMap::from([
        (DiagnosticCode::MissingSafety, RuleLevel::Off),
        (DiagnosticCode::MissingPrecondition, RuleLevel::On(Severity::Hint)),
    ]);
    let config = IdeConfig::new(rules, vec![], runbook_keys::KeyRoot::defaults()).unwrap();
    check_with(
        "### Action 1: Restart\n",
        &config,
        expect![[r#"
            hint missing-precondition 1:5-1:22 "Action 1: Restart": Action 1 has no **Preconditions** field: say what must be true before it runs
              fix Insert a **Preconditions** field (preferred)
        "#]],
    );
}

/// Issue 14 (SPEC 1): the public KEYS repository keeps `"tool": "next"`
/// KEYs in `node-keys/` and lists them as `node-…` in pack.json; a runbook
/// that writes the `next-…` alias names the same KEY.
#[test]
fn pack_references_by_canonical_slug_or_alias() {
    check(
        r#"//- /docs/audit/README.md
# Audit Log Runbook

### Action 1: Capture the audit trail (SAFE)

**Precondition**: the incident has an id
- **KEY**: `next-audit-log-capture`
- **Location**: `/node-keys/audit-log-capture/src/index.ts`
**Side Effects**: none
**Manual Alternative**: export the table by hand

See also `node-audit-log-capture` and `next-stripe-webhook-entitlement`.
//- /docs/audit/pack.json
{ "references_node_keys": ["node-audit-log-capture", "node-stripe-webhook-entitlement"] }
//- /node-keys/audit-log-capture/key.json
{ "slug": "audit-log-capture", "tool": "next", "safety": "SAFE" }
//- /node-keys/audit-log-capture/src/index.ts
export function captureAuditLog() {}
//- /node-keys/stripe-webhook-entitlement/key.json
{ "slug": "stripe-webhook-entitlement", "tool": "next" }
"#,
        expect![[""]],
    );
}
