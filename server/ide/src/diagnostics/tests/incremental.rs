//! Differential fuzzing of findings: a runbook edited in place in the host
//! (rope edits, incremental re-parses, diagnostics asked for between edits)
//! has exactly the findings a freshly opened copy of its final text has.
//! `cargo test` runs a bounded number of cases; `PROPTEST_CASES=5000 cargo
//! test -p runbook-ide incremental_findings` runs longer by hand.

use proptest::prelude::*;
use runbook_syntax::TextRange;
use runbook_syntax::fixture::Fixture;

use super::keys::KEYS;
use crate::test_utils::analysis_host;

const RUNBOOK: &str = r#"# Stripe webhook failure

## Action Steps

### Action 1: Replay failed events (REVERSIBLE)

**Precondition**: failed events identified
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
**Side Effects**: replays events

**Execution**:
```typescript
import { replayFailedWebhooks, type ReplayOptions } from '@/node-keys/stripe-webhook-replay/src';
await replayFailedWebhooks({ dryRun: true });
```

**Rollback**: none needed, events are idempotent

### Action 2: Check health

- **KEY**: `node-webhook-monitoring`
- **Location**: docs/hosting
"#;

/// Pieces an author types: the tokens every rule looks at, and the
/// markdown that moves section, field and code-block boundaries.
const SNIPPETS: &[&str] = &[
    "\n",
    " ",
    "#",
    "`",
    "**",
    "### Action 3: Purge (IRREVERSIBLE)\n",
    "(SAFE)",
    "REVERSABLE",
    "**Safety**: IRREVERSIBLE\n",
    "**Warning**: gone for good\n",
    "**Rollback**: undo\n",
    "**Manual Alternative**: by hand\n",
    "- **KEY**: `node-webhook-monitoring`\n",
    "`node-stripe-webhok-replay`",
    "`next-unknown`",
    "- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`\n",
    "- **Location**: US/EU\n",
    "- **Location**: `/node-keys/webhook-monitoring/`\n",
    "```ts\n",
    "```\n",
    "import { purgeWebhooks, nope } from '@/node-keys/stripe-webhook-replay/src';\n",
    "import { x } from '@/node-keys/missing/src';\n",
    "await purgeWebhooks();\n",
    "<!-- runbook-ls-disable-next-line unknown-key -->\n",
    "😀",
    "\r\n",
];

#[derive(Debug, Clone)]
enum Step {
    /// Replace the range between two relative positions by a snippet (none = delete).
    Edit { from: f64, len: f64, snippet: Option<usize> },
    /// Ask for the findings, as the server does after each change.
    Diagnose,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0.0..=1.0f64, 0.0..0.05f64, proptest::option::weighted(0.8, 0..SNIPPETS.len()))
            .prop_map(|(from, len, snippet)| Step::Edit { from, len, snippet }),
        1 => Just(Step::Diagnose),
    ]
}

fn char_boundary_at(text: &str, fraction: f64) -> usize {
    let mut offset = ((text.len() as f64) * fraction) as usize;
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `default` cases unless `PROPTEST_CASES` says otherwise.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(96)))]

    #[test]
    fn incremental_findings_equal_fresh(steps in proptest::collection::vec(step(), 1..16)) {
        let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{RUNBOOK}{KEYS}"));
        let (mut host, path, _) = analysis_host(&fixture);
        // The editor's text, exactly (a fixture may normalise what it holds).
        host.open_document(path.clone(), RUNBOOK);
        let mut shadow = RUNBOOK.to_string();
        for step in steps {
            match step {
                Step::Diagnose => {
                    host.analysis().diagnostics(&path);
                }
                Step::Edit { from, len, snippet } => {
                    let start = char_boundary_at(&shadow, from);
                    let end = char_boundary_at(&shadow, (from + len).min(1.0)).max(start);
                    let insert = snippet.map_or("", |i| SNIPPETS[i]);
                    host.document_mut(&path).expect("the runbook is open").edit(TextRange::new(start, end), insert);
                    shadow.replace_range(start..end, insert);
                }
            }
        }
        let analysis = host.analysis();
        let incremental = analysis.diagnostics(&path);
        let parse = analysis.parse(&path).expect("the runbook is open");
        prop_assert_eq!(parse.text(), &*shadow);
        let (mut fresh, _, _) = analysis_host(&fixture);
        fresh.open_document(path.clone(), &shadow);
        prop_assert_eq!(incremental, fresh.analysis().diagnostics(&path));
    }
}
