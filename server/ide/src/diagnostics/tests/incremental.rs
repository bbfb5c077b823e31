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
    /// Ask for the findings, as the server does after each change: without
    /// their fixes to publish them, with them for code actions.
    Diagnose { with_fixes: bool },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0.0..=1.0f64, 0.0..0.05f64, proptest::option::weighted(0.8, 0..SNIPPETS.len()))
            .prop_map(|(from, len, snippet)| Step::Edit { from, len, snippet }),
        1 => any::<bool>().prop_map(|with_fixes| Step::Diagnose { with_fixes }),
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
                Step::Diagnose { with_fixes: true } => {
                    host.analysis().diagnostics(&path);
                }
                Step::Diagnose { with_fixes: false } => {
                    host.analysis().diagnostics_without_fixes(&path);
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
        let published = analysis.diagnostics_without_fixes(&path);
        let incremental = analysis.diagnostics(&path);
        let parse = analysis.parse(&path).expect("the runbook is open");
        prop_assert_eq!(parse.text(), &*shadow);
        let (mut fresh, _, _) = analysis_host(&fixture);
        fresh.open_document(path.clone(), &shadow);
        let fresh = fresh.analysis().diagnostics(&path);
        // Published without fixes, the same findings otherwise; and leaving
        // them out of a publication keeps them for the code actions.
        let without_fixes = |found: &[crate::Diagnostic]| -> Vec<crate::Diagnostic> {
            found.iter().cloned().map(|diagnostic| crate::Diagnostic { fixes: Vec::new(), ..diagnostic }).collect()
        };
        prop_assert_eq!(&published, &without_fixes(&fresh));
        prop_assert_eq!(incremental, fresh);
    }
}

/// The findings of an open document's Actions are reused while their text
/// is unchanged; they move with their Action when text before it changes,
/// and are computed again once the KEY index changes under them.
#[test]
fn memoized_findings_follow_their_actions_and_the_index() {
    // Action 3 has no Location: its findings are kept until the index changes.
    let runbook =
        format!("{RUNBOOK}\n### Action 3: Replay again (REVERSIBLE)\n\n- **KEY**: `node-stripe-webhook-replay`\n");
    let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{KEYS}"));
    let (mut host, path, _) = analysis_host(&fixture);
    host.open_document(path.clone(), &runbook);
    let codes_at = |host: &crate::AnalysisHost| -> Vec<(usize, String)> {
        host.analysis()
            .diagnostics(&path)
            .into_iter()
            .map(|diagnostic| (diagnostic.range.start, diagnostic.code.as_str().to_string()))
            .collect()
    };
    let before = codes_at(&host);
    assert!(!before.iter().any(|(_, code)| code == "unknown-key"), "{before:?}");

    // Text before every Action: the same findings, moved, equal to a fresh analysis.
    host.document_mut(&path).expect("open").edit(TextRange::empty(0), "Intro.\n\n");
    let moved = codes_at(&host);
    assert_eq!(moved, before.iter().map(|(at, code)| (at + 8, code.clone())).collect::<Vec<_>>());

    // The same text against an index without the KEY of Action 1.
    let other_key = r#"
//- /node-keys/other/key.json
{ "slug": "other", "title": "Other", "tool": "node", "safety": "SAFE" }
//- /node-keys/other/src/index.ts
export function other() {}
"#;
    let without_key = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{other_key}"));
    let (other, _, _) = analysis_host(&without_key);
    host.set_index(other.analysis().index().expect("indexed").clone());
    let after = codes_at(&host);
    let action_3 = runbook.find("### Action 3").expect("in the runbook") + 8;
    assert!(after.iter().any(|(at, code)| code == "unknown-key" && *at > action_3), "{after:?}");
    // What the same state gives without the memo.
    let analysis = host.analysis();
    let parse = analysis.parse(&path).expect("open");
    let unmemoized =
        crate::diagnostics::diagnostics(&crate::File { path: &path, parse: &parse }, &analysis.workspace());
    assert_eq!(analysis.diagnostics(&path), unmemoized);
}

/// A Location outside every KEY folder is looked up on disk, where a file
/// may appear without any watcher saying so: the Action's findings are kept
/// with the answer they were computed for, and computed again when the disk
/// answers otherwise.
#[test]
fn memoized_findings_follow_locations_on_disk() {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use runbook_keys::fs::{FileSystem, MemoryFs};

    /// The fixture's files, and `docs/guide.md` once `appeared`; counts lookups of it.
    struct Appearing {
        files: MemoryFs,
        appeared: AtomicBool,
        lookups: Mutex<usize>,
    }
    impl FileSystem for Appearing {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.files.read(path)
        }
        fn is_file(&self, path: &Path) -> bool {
            if path.ends_with("docs/guide.md") {
                *self.lookups.lock().unwrap() += 1;
                return self.appeared.load(Ordering::SeqCst);
            }
            self.files.is_file(path)
        }
        fn is_dir(&self, path: &Path) -> bool {
            self.files.is_dir(path)
        }
        fn read_dir(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
            self.files.read_dir(path)
        }
        fn walk(&self, root: &Path) -> Vec<PathBuf> {
            self.files.walk(root)
        }
        fn shared(&self) -> Arc<dyn FileSystem> {
            self.files.shared()
        }
    }

    let runbook = format!(
        "{RUNBOOK}\n### Action 3: Read the guide (SAFE)\n\n- **KEY**: `node-webhook-monitoring`\n- **Location**: `docs/guide.md`\n"
    );
    let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{KEYS}"));
    let root = Path::new(crate::test_utils::WORKSPACE_ROOT);
    let fs = Arc::new(Appearing {
        files: MemoryFs::from_fixture(&fixture, root),
        appeared: AtomicBool::new(false),
        lookups: Mutex::new(0),
    });
    let mut host = crate::AnalysisHost::new(root.to_path_buf(), fs.clone());
    let config_file = host.analysis().read_config_file();
    host.set_settings(config_file, Vec::new());
    let index = host.analysis().build_index(&crate::IndexScope::Workspace);
    host.set_index(index);
    let path = root.join("runbooks/runbook.md");
    host.open_document(path.clone(), &runbook);
    let guide = runbook.find("docs/guide.md").expect("in the runbook");
    let missing_guide = |host: &crate::AnalysisHost| {
        host.analysis()
            .diagnostics(&path)
            .iter()
            .any(|diagnostic| diagnostic.range.start == guide && diagnostic.message.contains("does not exist"))
    };
    assert!(missing_guide(&host));

    // Typed into Action 1 (same length): Action 3 is kept, its Location asked about again.
    let lookups = *fs.lookups.lock().unwrap();
    let replays = runbook.find("replays").expect("in Action 1");
    host.document_mut(&path).expect("open").edit(TextRange::new(replays, replays + 1), "R");
    assert!(missing_guide(&host));
    assert!(*fs.lookups.lock().unwrap() > lookups, "the disk is asked on every computation");

    // The file appears: the same text, another answer.
    fs.appeared.store(true, Ordering::SeqCst);
    assert!(!missing_guide(&host));
    let analysis = host.analysis();
    let parse = analysis.parse(&path).expect("open");
    let unmemoized =
        crate::diagnostics::diagnostics(&crate::File { path: &path, parse: &parse }, &analysis.workspace());
    assert_eq!(analysis.diagnostics(&path), unmemoized);
}
