//! One fixture per kind of token: every token quoted with its kind and
//! modifiers (refresh with `UPDATE_EXPECT=1`).

use std::fmt::Write;

use expect_test::{Expect, expect};
use runbook_syntax::fixture::Fixture;

use super::{SemanticToken, TokenKind};
use crate::hover::tests::KEYS;
use crate::test_utils::{analysis, quote};

fn render(text: &str, tokens: &[SemanticToken]) -> String {
    let mut out = String::new();
    for token in tokens {
        let mut modifiers = Vec::new();
        if token.modifiers.declaration {
            modifiers.push("declaration".to_string());
        }
        if token.modifiers.unknown {
            modifiers.push("unknown".to_string());
        }
        if let Some(class) = token.modifiers.class {
            modifiers.push(class.as_str().to_ascii_lowercase());
        }
        let kind = format!("{:?}", token.kind);
        writeln!(out, "{} {kind} {}", quote(text, token.range), modifiers.join(" ")).unwrap();
    }
    out.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n"
}

#[track_caller]
fn check(runbook: &str, expect: Expect) {
    let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{KEYS}"));
    let (analysis, path, text) = analysis(&fixture);
    let tokens = analysis.semantic_tokens(&path, None);
    expect.assert_eq(&render(&text, &tokens));
}

/// Before the index is ready: what the model alone says, nothing unknown.
#[track_caller]
fn check_without_index(runbook: &str, expect: Expect) {
    let parse = runbook_syntax::Parse::new(runbook);
    let tokens = super::semantic_tokens(&parse, None, &crate::IdeConfig::default());
    expect.assert_eq(&render(runbook, &tokens));
}

const ACTION: &str = r#"## Diagnosis Flow

### Step 1: Read the Logs

### Action 2: Replay Failed Webhook Events (REVERSIBLE)

**Precondition**: Identified failed events

- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays events

**Execution**:
```typescript
import { replayFailedWebhooks, type ReplayOptions } from '@/node-keys/stripe-webhook-replay/src';
import { z } from 'zod';

const result = await replayFailedWebhooks({ dryRun: true });
```

**Safety**: IRREVERSIBLE - events are written twice
"#;

#[test]
fn every_kind_of_token_in_an_action() {
    check(
        ACTION,
        expect![[r#"
            3:5-3:26 "Step 1: Read the Logs" StepHeading declaration
            5:5-5:45 "Action 2: Replay Failed Webhook Events (" ActionHeading declaration irreversible
            5:45-5:55 "REVERSIBLE" SafetyClass reversible
            5:55-5:56 ")" ActionHeading declaration irreversible
            7:3-7:15 "Precondition" FieldLabel
            9:5-9:8 "KEY" FieldLabel
            9:13-9:39 "node-stripe-webhook-replay" Key reversible
            10:5-10:17 "Side Effects" FieldLabel
            12:3-12:12 "Execution" FieldLabel
            14:10-14:30 "replayFailedWebhooks" Function reversible
            14:37-14:50 "ReplayOptions" Interface reversible
            14:59-14:96 "@/node-keys/stripe-webhook-replay/src" ImportSpecifier reversible
            17:22-17:42 "replayFailedWebhooks" Function reversible
            20:3-20:9 "Safety" FieldLabel
            20:13-20:25 "IRREVERSIBLE" SafetyClass irreversible
        "#]],
    );
}

#[test]
fn unknown_keys_imports_exports_and_near_misses() {
    check(
        r#"### Action 1: Purge Everything (IRREVERSABLE)

**KEY**: `node-stripe-webhok-replay`, not `node-keys` (the folder); `next-elsewhere` (no next-keys here)

```ts
import { replayWebhooks } from '@/node-keys/stripe-webhook-replay/src';
import { purge } from '@/node-keys/purge-all/src';
await replayWebhooks();
```

### Action 2: Disable Endpoint (USE WITH CAUTION)

**Safety**: SAFE - reads only
"#,
        expect![[r#"
            1:5-1:33 "Action 1: Purge Everything (" ActionHeading declaration
            1:33-1:45 "IRREVERSABLE" SafetyClass unknown
            1:45-1:46 ")" ActionHeading declaration
            3:3-3:6 "KEY" FieldLabel
            3:11-3:36 "node-stripe-webhok-replay" Key unknown
            3:70-3:84 "next-elsewhere" Key
            6:10-6:24 "replayWebhooks" Function unknown
            6:33-6:70 "@/node-keys/stripe-webhook-replay/src" ImportSpecifier reversible
            7:10-7:15 "purge" Function
            7:24-7:49 "@/node-keys/purge-all/src" ImportSpecifier unknown
            8:7-8:21 "replayWebhooks" Function unknown
            11:5-11:50 "Action 2: Disable Endpoint (USE WITH CAUTION)" ActionHeading declaration safe
            13:3-13:9 "Safety" FieldLabel
            13:13-13:17 "SAFE" SafetyClass safe
        "#]],
    );
}

#[test]
fn without_the_index_nothing_is_unknown() {
    check_without_index(
        r#"### Action 1: Check (SAFE)

**KEY**: `node-anything`, `jupyter-eda`, `other-thing`

```ts
import { probe } from '@/node-keys/anything/src';
await probe();
```
"#,
        expect![[r#"
            1:5-1:22 "Action 1: Check (" ActionHeading declaration safe
            1:22-1:26 "SAFE" SafetyClass safe
            1:26-1:27 ")" ActionHeading declaration safe
            3:3-3:6 "KEY" FieldLabel
            3:11-3:24 "node-anything" Key
            3:28-3:39 "jupyter-eda" Key
            6:10-6:15 "probe" Function
            6:24-6:48 "@/node-keys/anything/src" ImportSpecifier
            7:7-7:12 "probe" Function
        "#]],
    );
}

#[test]
fn keys_in_headings_split_them_and_labels_that_wrap_are_cut_per_line() {
    check(
        "### Action 3: Run `node-webhook-monitoring` now\r\n\r\n**Manual\r\nAlternative**: by hand\r\n",
        expect![[r#"
            1:5-1:18 "Action 3: Run" ActionHeading declaration
            1:20-1:43 "node-webhook-monitoring" Key safe
            1:45-1:48 "now" ActionHeading declaration
            3:3-3:9 "Manual" FieldLabel
            4:1-4:12 "Alternative" FieldLabel
        "#]],
    );
}

#[test]
fn tokens_are_sorted_and_disjoint_in_a_large_runbook() {
    let runbook = ACTION.repeat(50);
    let fixture = Fixture::parse(&format!("//- /runbooks/runbook.md\n{runbook}{KEYS}"));
    let (analysis, path, text) = analysis(&fixture);
    let tokens = analysis.semantic_tokens(&path, None);
    assert_eq!(tokens.len(), 15 * 50);
    for pair in tokens.windows(2) {
        assert!(pair[0].range.end <= pair[1].range.start, "{:?}", pair);
    }
    assert!(tokens.iter().all(|token| !text[token.range.as_range()].contains('\n')));
    assert!(TokenKind::ALL.contains(&tokens[0].kind));
    // A range request answers the tokens that touch the range.
    let second = text.match_indices("### Action").nth(1).unwrap().0;
    let in_range = analysis.semantic_tokens(&path, Some(runbook_syntax::TextRange::new(second, second + 40)));
    let rendered = render(&text, &in_range);
    expect![[r#"
        25:5-25:45 "Action 2: Replay Failed Webhook Events (" ActionHeading declaration irreversible
    "#]]
    .assert_eq(&rendered);
}
