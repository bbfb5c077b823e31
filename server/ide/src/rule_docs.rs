//! What each rule catches, why (the seed rule it enforces), and a bad and a
//! good example: the text of the README's rules reference and of SARIF help.

use crate::DiagnosticCode;

pub struct RuleDocs {
    pub code: DiagnosticCode,
    /// Why the rule exists: the convention it enforces.
    pub why: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
}

impl RuleDocs {
    pub fn help_text(&self) -> String {
        format!(
            "{}\n\nWhy: {}\n\nBad:\n{}\n\nGood:\n{}\n\nTurn it off: `{} = \"off\"` under [rules] in runbook-ls.toml, or <!-- runbook-ls-disable {} --> in a file.",
            self.code.summary(),
            self.why,
            self.bad,
            self.good,
            self.code,
            self.code
        )
    }

    pub fn help_markdown(&self) -> String {
        format!(
            "{}\n\n**Why**: {}\n\n**Bad**:\n\n{}\n\n**Good**:\n\n{}\n\n**Turn it off**: `{} = \"off\"` under `[rules]` in `runbook-ls.toml`, or `<!-- runbook-ls-disable {} -->` in a file.",
            self.code.summary(),
            self.why,
            fenced(self.bad),
            fenced(self.good),
            self.code,
            self.code
        )
    }
}

/// A fenced markdown block of `example`, with a fence longer than any run of
/// backticks inside it (the examples hold code blocks of their own).
fn fenced(example: &str) -> String {
    let longest = example.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}markdown\n{example}\n{fence}")
}

pub fn rule_docs(code: DiagnosticCode) -> RuleDocs {
    use DiagnosticCode::*;
    let (why, bad, good) = match code {
        MissingPrecondition => (
            "Rule 2 (explicit preconditions): every KEY use must say what has to be true before it runs, so that nobody runs an Action in the wrong situation.",
            "### Action 1: Update Webhook Secret (REVERSIBLE)\n\n**Action**: Use `node-webhook-secret-update`",
            "### Action 1: Update Webhook Secret (REVERSIBLE)\n\n**Preconditions**:\n- Verified secret mismatch in Step 2",
        ),
        MissingRollback => (
            "Safety classes: a REVERSIBLE Action is only reversible if the runbook says how; an Action that runs a KEY without a class must at least say how to undo it.",
            "### Action 2: Replay Failed Events (REVERSIBLE)\n\n**Precondition**: Identified failed events",
            "### Action 2: Replay Failed Events (REVERSIBLE)\n\n**Precondition**: Identified failed events\n\n**Rollback**: Events are idempotent, no rollback needed",
        ),
        IrreversibleWithoutWarning => (
            "Safety classes: IRREVERSIBLE means permanent changes, to be used with extreme caution; the runbook must warn before the reader acts.",
            "### Action 5: Disable Webhook Endpoint (IRREVERSIBLE)\n\n**Precondition**: All other actions failed",
            "### Action 5: Disable Webhook Endpoint (IRREVERSIBLE)\n\n**Precondition**: All other actions failed\n\n**Warning**: This stops all subscription updates. Use only as a last resort.",
        ),
        MissingSafety => (
            "Rule 2 and the safety classes: every Action must be classified SAFE, REVERSIBLE or IRREVERSIBLE.",
            "### Action 3: Restart Webhook Processing Service",
            "### Action 3: Restart Webhook Processing Service (REVERSIBLE)",
        ),
        MissingSideEffects => (
            "Rule 4 (side effects are explicit): runbooks never hide execution, so an Action that runs a node/next KEY lists what the KEY changes.",
            "- **KEY**: `node-stripe-webhook-replay`\n- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`",
            "- **KEY**: `node-stripe-webhook-replay`\n- **Side Effects**:\n  - Replays webhook events from Stripe\n  - Updates database with event data",
        ),
        UnknownSafetyClass => (
            "Safety classes: only SAFE, REVERSIBLE and IRREVERSIBLE exist; a misspelt class classifies nothing.",
            "### Action 1: Update Webhook Secret (REVERSABLE)",
            "### Action 1: Update Webhook Secret (REVERSIBLE)",
        ),
        SafetyMismatch => (
            "Safety classes: an Action has one class; a heading and a Safety field that disagree, or a KEY that declares itself stricter than the Action, mislead the reader.",
            "### Action 1: Purge Old Events (REVERSIBLE)\n\n**Safety**: IRREVERSIBLE - deleted events cannot be restored",
            "### Action 1: Purge Old Events (IRREVERSIBLE)\n\n**Safety**: IRREVERSIBLE - deleted events cannot be restored",
        ),
        UnknownKey => (
            "Rule 2 (which KEY: exact slug): a runbook that names a KEY nobody wrote cannot be followed.",
            "- **KEY**: `node-stripe-webhok-replay`",
            "- **KEY**: `node-stripe-webhook-replay`",
        ),
        UnresolvedImport => (
            "Rule 1 (actions call execution KEYs): the import must reach a KEY's entry, or the Execution block runs nothing.",
            "import { replayFailedWebhooks } from '@/node-keys/stripe-replay/src';",
            "import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';",
        ),
        UnknownExport => (
            "Rule 1: the Execution block calls a function the KEY really exports; anything else fails at the worst moment.",
            "import { replayWebhooks } from '@/node-keys/stripe-webhook-replay/src';",
            "import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';",
        ),
        LocationMismatch => (
            "Rule 2 (which KEY): the Location tells the reader where the code lives; it must exist and be the entry of the Action's KEY. Only code spans and words that look like paths are Locations: `US/EU`, `Global`, `keys/<slug>/key.json` are not.",
            "- **KEY**: `node-stripe-webhook-replay`\n- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`",
            "- **KEY**: `node-stripe-webhook-replay`\n- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`",
        ),
        KeyImportMismatch => (
            "Rule 2 (which KEY): the KEY an Action names and the KEY its Execution imports must be the same, or the reader checks one and runs the other.",
            "- **KEY**: `node-stripe-webhook-replay`\n\n```typescript\nimport { reconcile } from '@/node-keys/background-reconciliation/src';\n```",
            "- **KEY**: `node-background-reconciliation`\n\n```typescript\nimport { reconcile } from '@/node-keys/background-reconciliation/src';\n```",
        ),
        HiddenExecution => (
            "Rule 1 (runbooks never hide execution): automation lives in KEYs; an Execution block of more than 10 lines that imports no KEY is automation hidden in prose.",
            "**Execution**:\n```typescript\n// ... 100 lines of replay logic ...\n```",
            "**Execution**:\n```typescript\nimport { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';\nawait replayFailedWebhooks({ dryRun: true });\n```",
        ),
        MissingManualAlternative => (
            "Rule 3 (manual alternatives): if the automation fails, the runbook says how to do the same by hand.",
            "**Automated (Preferred)**:\n```typescript\nawait replayFailedWebhooks({ ... });\n```",
            "**Automated (Preferred)**:\n```typescript\nawait replayFailedWebhooks({ ... });\n```\n\n**Manual Alternative (If Automation Fails)**: resend the events from the Stripe dashboard",
        ),
        MissingSection => (
            "The canonical runbook structure: every runbook has the same ten sections, so that nobody searches for the rollback during an incident.",
            "# Stripe Webhook Failure Runbook\n\n## Scope\n\n## Action Steps",
            "# Stripe Webhook Failure Runbook\n\n## Scope\n## When to Use This Runbook\n## When NOT to Use This Runbook\n## Immediate Safety Checks (First 2 Minutes)\n## Diagnosis Flow\n## Action Steps\n## Verification\n## Rollback / Escalation\n## Evidence & Audit Notes\n## Post-Incident Follow-Ups",
        ),
        SectionOrder => (
            "The canonical runbook structure: the sections come in the order an incident unfolds.",
            "## Action Steps\n\n## Diagnosis Flow",
            "## Diagnosis Flow\n\n## Action Steps",
        ),
        PackReferenceMismatch => (
            "The runbook pack's `pack.json` lists the KEYs the runbook uses; the marketplace and the runbook must agree.",
            "pack.json: \"references_node_keys\": [\"node-stripe-webhook-entitlement\"]\nREADME.md: uses `node-stripe-webhook-replay`",
            "pack.json: \"references_node_keys\": [\"node-stripe-webhook-replay\"]\nREADME.md: uses `node-stripe-webhook-replay`",
        ),
        InvalidKeyManifest => (
            "Every KEY declares its capabilities and side effects in a valid key.json; a broken manifest hides them.",
            "{ \"slug\": \"stripe-webhook-replay\", \"side_effects\": \"Replays events\" }",
            "{ \"slug\": \"stripe-webhook-replay\", \"side_effects\": [\"Replays events\"] }",
        ),
        InvalidConfig => (
            "A setting runbook-ls does not understand is ignored; it is reported so that nobody believes a rule is configured when it is not.",
            "[rules]\nmissing-sideeffects = \"info\"",
            "[rules]\nmissing-side-effects = \"info\"",
        ),
        UnreadableFile => (
            "A runbook that cannot be read cannot be checked; it is reported so that a broken file never silently passes CI, and the other files are still checked.",
            "runbooks/notes.md saved as Latin-1: `Caf\\xe9 r\\xe9seau`",
            "runbooks/notes.md saved as UTF-8: `Café réseau`",
        ),
        FileTooLarge => (
            "Analysing a huge document on every keystroke would slow the editor and every other document; the server says why it is quiet instead of silently giving nothing.",
            "runbooks/everything.md: 40 MB, one runbook per incident ever written",
            "runbooks/<incident>.md: one runbook per file, or `max-document-bytes = 50000000` in runbook-ls.toml",
        ),
    };
    RuleDocs { code, why, bad, good }
}

/// The rules reference as markdown, one section per code (the README's).
pub fn rules_reference_markdown() -> String {
    let mut out = String::new();
    for code in DiagnosticCode::ALL {
        let docs = rule_docs(*code);
        out.push_str(&format!(
            "### `{code}`\n\nDefault: {}. {}\n\n**Why**: {}\n\nBad:\n\n{}\n\nGood:\n\n{}\n\nTurn it off: `{code} = \"off\"` under `[rules]` in `runbook-ls.toml`, or `<!-- runbook-ls-disable {code} -->` in the file.\n\n",
            code.default_severity(),
            code.summary(),
            docs.why,
            fenced(docs.bad),
            fenced(docs.good),
        ));
    }
    out
}
