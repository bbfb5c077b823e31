//! Data-driven tests of the runbook model: a fixture in, a rendering of the
//! model out (refresh with `UPDATE_EXPECT=1`).

use std::fmt::Write;

use expect_test::{Expect, expect};

use crate::{Parse, Runbook, SectionKind};

/// Renders the model with each range as `start..end "text"`.
pub(crate) fn render(text: &str, runbook: &Runbook) -> String {
    let quote = |range: crate::TextRange| format!("{range:?} {:?}", &text[range.as_range()]);
    let mut out = String::new();
    for section in &runbook.sections {
        let heading = &runbook.headings[section.heading];
        let indent = "  ".repeat(section.level as usize - 1);
        let kind = match section.kind {
            SectionKind::Plain => String::new(),
            SectionKind::Action(i) => {
                let action = &runbook.actions[i];
                let safety = action.heading_safety.as_ref().map(|word| quote(word.range)).unwrap_or_default();
                format!(" action #{} {:?} safety={safety}", action.number, action.title)
            }
            SectionKind::Step(i) => format!(" step #{} {:?}", runbook.steps[i].number, runbook.steps[i].title),
        };
        writeln!(out, "{indent}h{} {}{kind} section={:?}", section.level, quote(heading.text_range), section.range)
            .unwrap();
    }
    for field in &runbook.fields {
        let label = field.label.map_or_else(|| "?".to_string(), |label| format!("{label:?}"));
        let safety = field.safety.as_ref().map(|word| format!(" safety={}", quote(word.range))).unwrap_or_default();
        writeln!(out, "field {label} {} value={}{safety}", quote(field.label_range), quote(field.value_range)).unwrap();
    }
    for key_ref in &runbook.key_refs {
        writeln!(out, "key {}", quote(key_ref.range)).unwrap();
    }
    for (i, block) in runbook.code_blocks.iter().enumerate() {
        writeln!(
            out,
            "code[{i}] {:?} lines={} {:?}{}",
            block.language,
            block.n_code_lines,
            block.content_range,
            if block.unclosed { " unclosed" } else { "" }
        )
        .unwrap();
    }
    for import in &runbook.imports {
        let names: Vec<String> = import
            .names
            .iter()
            .map(|name| {
                let alias = if name.local != name.name { format!(" as {}", name.local) } else { String::new() };
                format!("{}{alias}{}", quote(name.name_range), if name.type_only { " (type)" } else { "" })
            })
            .collect();
        writeln!(
            out,
            "import[code {}] {} {{ {} }}",
            import.code_block,
            quote(import.specifier_range),
            names.join(", ")
        )
        .unwrap();
    }
    for call in &runbook.calls {
        writeln!(out, "call {} -> import {} name {}", quote(call.range), call.import, call.name).unwrap();
    }
    for location in &runbook.locations {
        writeln!(out, "location {}", quote(location.range)).unwrap();
    }
    for suppression in &runbook.suppressions {
        writeln!(out, "suppress {:?} {:?}", suppression.scope, suppression.codes).unwrap();
    }
    out
}

#[track_caller]
fn check(fixture: &str, expect: Expect) {
    let parse = Parse::new(fixture);
    expect.assert_eq(&render(parse.text(), parse.runbook()));
}

#[test]
fn seed_action_section() {
    check(
        r#"## Action Steps

### Action 1: Update Webhook Secret (REVERSIBLE)

**Preconditions**:
- Verified secret mismatch in diagnosis Step 2
- Have new secret from Stripe Dashboard

**Action**: Use Node KEY to update secret
- **KEY**: `node-webhook-secret-update`
- **Location**: `/node-keys/webhook-secret-update/src/index.ts`
- **Side Effects**:
  - Updates `STRIPE_WEBHOOK_SECRET` environment variable
  - Restarts application service

**Execution**:
```typescript
import { updateWebhookSecret } from '@/node-keys/webhook-secret-update/src';

await updateWebhookSecret({
  newSecret: process.env.NEW_STRIPE_WEBHOOK_SECRET,
});
```

**Safety**: REVERSIBLE - Can restore previous secret if needed
"#,
        expect![[r#"
              h2 3..15 "Action Steps" section=0..689
                h3 21..65 "Action 1: Update Webhook Secret (REVERSIBLE)" action #1 "Update Webhook Secret" safety=54..64 "REVERSIBLE" section=17..689
            field Precondition 69..82 "Preconditions" value=86..172 "- Verified secret mismatch in diagnosis Step 2\n- Have new secret from Stripe Dashboard"
            field Action 176..182 "Action" value=186..215 "Use Node KEY to update secret"
            field Key 220..223 "KEY" value=227..255 "`node-webhook-secret-update`"
            field Location 260..268 "Location" value=272..319 "`/node-keys/webhook-secret-update/src/index.ts`"
            field SideEffects 324..336 "Side Effects" value=342..429 "- Updates `STRIPE_WEBHOOK_SECRET` environment variable\n  - Restarts application service"
            field Execution 433..442 "Execution" value=446..625 "```typescript\nimport { updateWebhookSecret } from '@/node-keys/webhook-secret-update/src';\n\nawait updateWebhookSecret({\n  newSecret: process.env.NEW_STRIPE_WEBHOOK_SECRET,\n});\n```"
            field Safety 629..635 "Safety" value=639..689 "REVERSIBLE - Can restore previous secret if needed" safety=639..649 "REVERSIBLE"
            key 228..254 "node-webhook-secret-update"
            code[0] Some("typescript") lines=4 460..622
            import[code 0] 497..534 "@/node-keys/webhook-secret-update/src" { 469..488 "updateWebhookSecret" }
            call 544..563 "updateWebhookSecret" -> import 0 name 0
            location 273..318 "/node-keys/webhook-secret-update/src/index.ts"
        "#]],
    );
}

#[test]
fn headings_sections_and_steps() {
    check(
        r#"Runbook
=======

## Diagnosis Flow ##

### Step 1: Check Logs

#### Details

### Step 2 - Compare

## Action Steps

### Action 3. Replay (IRREVERSIBLE - USE WITH CAUTION)

### Actions overview

### Action 4: Export Data (Save to S3)

#
"#,
        expect![[r#"
            h1 0..7 "Runbook" section=0..232
              h2 20..34 "Diagnosis Flow" section=17..97
                h3 43..61 "Step 1: Check Logs" step #1 "Check Logs" section=39..75
                  h4 68..75 "Details" section=63..75
                h3 81..97 "Step 2 - Compare" step #2 "Compare" section=77..97
              h2 102..114 "Action Steps" section=99..232
                h3 120..170 "Action 3. Replay (IRREVERSIBLE - USE WITH CAUTION)" action #3 "Replay" safety=138..150 "IRREVERSIBLE" section=116..170
                h3 176..192 "Actions overview" section=172..192
                h3 198..232 "Action 4: Export Data (Save to S3)" action #4 "Export Data (Save to S3)" safety= section=194..232
            h1 235..235 "" section=234..235
        "#]],
    );
}

#[test]
fn fields_in_lists_paragraphs_and_lines() {
    check(
        r#"### Action 1: Go (SAFE)
**Precondition**: first line
**Safety:** SAFE - read only
**Rollback** : not a field, the colon is not attached

- **KEY**: `next-health-check`
- **Manual Alternative (If Automation Fails)**:
  1. open the dashboard
  2. click retry
- plain bullet
- **If 500 Error**: see logs

> **Warning**: quoted
"#,
        expect![[r#"
                h3 4..23 "Action 1: Go (SAFE)" action #1 "Go" safety=18..22 "SAFE" section=0..323
            field Precondition 26..38 "Precondition" value=42..52 "first line"
            field Safety 55..61 "Safety" value=65..135 "SAFE - read only\n**Rollback** : not a field, the colon is not attached" safety=65..69 "SAFE"
            field Key 141..144 "KEY" value=148..167 "`next-health-check`"
            field ManualAlternative 172..212 "Manual Alternative (If Automation Fails)" value=218..256 "1. open the dashboard\n  2. click retry"
            field ? 276..288 "If 500 Error" value=292..300 "see logs"
            field Warning 306..313 "Warning" value=317..323 "quoted"
            key 149..166 "next-health-check"
        "#]],
    );
}

#[test]
fn imports_calls_and_recovery() {
    check(
        r#"```ts
import { replay, count as countFailed, type Options } from '@/node-keys/replay/src';
import type { Result } from "@/node-keys/replay/src/index.ts";
import * as everything from '@/next-keys/other/src';
await replay({ dryRun: true });
const n = countFailed();
everything.run();
```

> ```tsx
> import { Widget } from '@/next-keys/ui/src';
> ```

```bash
import { nope } from 'not-a-script';
```

```javascript
import { broken, from '@/node-keys/typing/src';
```
"#,
        expect![[r#"
            code[0] Some("ts") lines=6 6..282
            code[1] Some("tsx") lines=1 298..345
            code[2] Some("bash") lines=1 358..395
            code[3] Some("javascript") lines=1 414..462
            import[code 0] 66..88 "@/node-keys/replay/src" { 15..21 "replay", 23..28 "count" as countFailed, 50..57 "Options" (type) }
            import[code 0] 120..151 "@/node-keys/replay/src/index.ts" { 105..111 "Result" (type) }
            import[code 0] 183..204 "@/next-keys/other/src" {  }
            import[code 1] 322..340 "@/next-keys/ui/src" { 307..313 "Widget" }
            import[code 3] 437..459 "@/node-keys/typing/src" { 423..429 "broken" }
            call 213..219 "replay" -> import 0 name 0
            call 249..260 "countFailed" -> import 0 name 1
        "#]],
    );
}

#[test]
fn key_refs_locations_and_suppressions() {
    check(
        "## Action 1: Use `node-a-b` (SAFE)\n\n| key | note |\n|---|---|\n| `jupyter-eda` | x |\n\nSee ` node-spaced ` and `Node-Upper`, `node-`, `node_x`, `a-b c`.\n\n**Location**: /node-keys/a-b/src/index.ts trailing\n\n- **Location**: `/next-keys/x/src/index.tsx`\n\n<!-- runbook-ls-disable missing-safety, missing-rollback -->\nText <!-- runbook-ls-disable-next-line --> here\n<!-- runbook-ls-disablex nope -->\n",
        expect![[r#"
              h2 3..34 "Action 1: Use `node-a-b` (SAFE)" action #1 "Use `node-a-b`" safety=29..33 "SAFE" section=0..391
            field Location 153..161 "Location" value=165..201 "/node-keys/a-b/src/index.ts trailing"
            field Location 207..215 "Location" value=219..247 "`/next-keys/x/src/index.tsx`"
            key 18..26 "node-a-b"
            key 64..75 "jupyter-eda"
            key 90..101 "node-spaced"
            location 165..192 "/node-keys/a-b/src/index.ts"
            location 220..246 "/next-keys/x/src/index.tsx"
            suppress RestOfFile ["missing-safety", "missing-rollback"]
            suppress NextLine []
        "#]],
    );
}

#[test]
fn crlf_and_unclosed_fences() {
    check(
        "### Action 1: Go (SAFE)\r\n\r\n**Precondition**: ok\r\n\r\n```ts\r\nimport { a } from '@/node-keys/x/src';\r\n",
        expect![[r#"
                h3 4..23 "Action 1: Go (SAFE)" action #1 "Go" safety=18..22 "SAFE" section=0..96
            field Precondition 29..41 "Precondition" value=45..96 "ok\r\n\r\n```ts\r\nimport { a } from '@/node-keys/x/src';"
            code[0] Some("ts") lines=1 58..98 unclosed
            import[code 0] 77..94 "@/node-keys/x/src" { 67..68 "a" }
        "#]],
    );
}

#[test]
fn location_values_that_are_paths() {
    // SPEC 2: a code span, or a bare word that looks like a path, without a
    // template placeholder. Prose, routes of a site and templates turn up in
    // the ordinary documents of real repositories.
    let values = [
        "`/node-keys/webhook-secret-update/src/index.ts`",
        "/node-keys/webhook-secret-update/src/index.ts (the entry)",
        "node-keys/webhook-secret-update/src/index.ts.",
        "`sub/dir/` with the guides",
        "sub/dir",
        "/privacy",
        "index.ts, next to the manifest",
        "Node.js runtime",
        "US/EU",
        "CI/CD pipeline",
        "Global (CDN edge)",
        "Marketplace",
        "v2.0",
        "e.g. the dashboard",
        "`node-keys/<slug>/key.json`",
        "keys/<slug>/key.json",
        "`{root}/src/index.ts`",
        "src/**/*.ts",
        "`node-keys/.../src`",
        "https://status.example.com/incidents",
        "`https://dashboard.stripe.com/webhooks`",
        "Stripe Dashboard → Developers → Webhooks",
    ];
    let mut out = String::new();
    for value in values {
        let parse = Parse::new(&format!("**Location**: {value}\n"));
        let paths: Vec<&str> = parse.runbook().locations.iter().map(|location| &*location.path).collect();
        writeln!(out, "{value:?} -> {paths:?}").unwrap();
    }
    expect![[r#"
        "`/node-keys/webhook-secret-update/src/index.ts`" -> ["/node-keys/webhook-secret-update/src/index.ts"]
        "/node-keys/webhook-secret-update/src/index.ts (the entry)" -> ["/node-keys/webhook-secret-update/src/index.ts"]
        "node-keys/webhook-secret-update/src/index.ts." -> ["node-keys/webhook-secret-update/src/index.ts"]
        "`sub/dir/` with the guides" -> ["sub/dir/"]
        "sub/dir" -> ["sub/dir"]
        "/privacy" -> ["/privacy"]
        "index.ts, next to the manifest" -> ["index.ts"]
        "Node.js runtime" -> ["Node.js"]
        "US/EU" -> []
        "CI/CD pipeline" -> []
        "Global (CDN edge)" -> []
        "Marketplace" -> []
        "v2.0" -> []
        "e.g. the dashboard" -> []
        "`node-keys/<slug>/key.json`" -> []
        "keys/<slug>/key.json" -> []
        "`{root}/src/index.ts`" -> []
        "src/**/*.ts" -> []
        "`node-keys/.../src`" -> []
        "https://status.example.com/incidents" -> []
        "`https://dashboard.stripe.com/webhooks`" -> []
        "Stripe Dashboard → Developers → Webhooks" -> []
    "#]]
    .assert_eq(&out);
}

/// A paragraph flooded with emphasis runs that never close is read without
/// emphasis (see `markdown::floods_openers`): its code spans, KEY
/// references and comments are all still there.
#[test]
fn a_paragraph_flooded_with_emphasis_keeps_its_code_spans() {
    let flood = "*a _b `node-flood-key` **d** ".repeat(40);
    let text = format!("## Action Steps\n\n{flood}<!-- runbook-ls-disable missing-safety -->\n");
    let runbook = Parse::new(&text).runbook().clone();
    assert_eq!(runbook.key_refs.len(), 40);
    assert!(runbook.key_refs.iter().all(|key_ref| &*key_ref.slug == "node-flood-key"));
    assert_eq!(runbook.suppressions.len(), 1);
}

/// The field labels that start a flooded paragraph or its lines are read
/// (the quote is a paragraph of its own).
#[test]
fn a_flooded_paragraph_keeps_its_fields() {
    let flood = "*a _b `node-flood-key` ".repeat(20);
    let text =
        format!("**Safety**: SAFE {flood}\n**Rollback:** undo {flood}\r**Side Effects**: none\n> **Quoted**: no\n");
    let runbook = Parse::new(&text).runbook().clone();
    let labels: Vec<&str> = runbook.fields.iter().map(|field| &text[field.label_range.as_range()]).collect();
    assert_eq!(labels, ["Safety", "Rollback", "Side Effects", "Quoted"]);
    assert_eq!(runbook.key_refs.len(), 40);
}

/// The same for a paragraph of images that never close (`![`).
#[test]
fn a_paragraph_flooded_with_image_openers_keeps_its_code_spans() {
    let text = format!("## Notes\n\n{}\n", "![`node-image-key` ".repeat(40));
    let runbook = Parse::new(&text).runbook().clone();
    assert_eq!(runbook.key_refs.len(), 40);
}

/// A stray `*` or two leave a paragraph to the grammar: the field labels on
/// its later lines are still read.
#[test]
fn a_few_unclosed_emphasis_runs_keep_later_fields() {
    check(
        "**Safety**: SAFE, see *notes and _more\n**Rollback**: run `node-a-b` again\n",
        expect![[r#"
            field Safety 2..8 "Safety" value=12..38 "SAFE, see *notes and _more" safety=12..16 "SAFE"
            field Rollback 41..49 "Rollback" value=53..73 "run `node-a-b` again"
            key 58..66 "node-a-b"
        "#]],
    );
}

/// Reading a flooded paragraph costs about the same per byte however long it
/// is: fifteen short paragraphs are timed against one fifteen times as long,
/// still short of the length from which the scanner reads a paragraph (see
/// `inline_scan`), so that both go through the flooded parse. The grammar's
/// own reading took 9 s for 32 KB of emphasis runs (and 1.8 GB), about
/// thirty times as long per byte as for 4 KB; 4 leaves room for a busy
/// machine without letting that through.
#[test]
fn flooded_paragraphs_parse_in_linear_time() {
    for (unit, n) in [("*a _b `c` **d** ", 64), ("![`c` ", 170)] {
        assert!(15 * n * unit.len() < crate::inline_scan::LONG_INLINE_BYTES);
        check_linear(unit, n, 15);
    }
}

/// Times `copies` paragraphs of `n` units against one of `copies * n`.
fn check_linear(unit: &str, n: usize, copies: usize) {
    let short = vec![unit.repeat(n); copies].join("\n\n");
    let long = unit.repeat(copies * n);
    let time = |text: &str| {
        let start = std::time::Instant::now();
        std::hint::black_box(Parse::standalone(text));
        start.elapsed()
    };
    let (mut short_time, mut long_time) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..3 {
        short_time = short_time.min(time(&short));
        long_time = long_time.min(time(&long));
    }
    let ratio = long_time.as_secs_f64() / short_time.as_secs_f64();
    assert!(
        ratio < 4.0,
        "{unit:?}: one paragraph {copies} times as long took {ratio:.1} times as long as {copies} short ones"
    );
}

/// An inline node of 16 KB or more is read without the inline grammar (see
/// `inline_scan`): its field labels, KEY references and comments are those
/// the grammar reads in the same lines split into short paragraphs.
#[test]
fn a_long_paragraph_reads_as_short_ones() {
    let lines = [
        "**Preconditions**: `node-a-b` is deployed, see <a title=\"`x`\">docs</a> and `` `node-c-d` ``",
        "**Side Effects:** writes `node-e-f`; <!-- runbook-ls-disable-next-line unknown-key --> then \\`node-g-h\\`",
        "quoted `node-i-j` <https://example.com/`x`> **Rollback**: not a label here",
        "**Rollback**: run `node-k-l` again, *then* _check_ ~~it~~",
    ];
    let unit = lines.join("\n");
    let n = 16 * 1024 / unit.len() + 1;
    let long = format!("## Notes\n\n{}\n", vec![unit.as_str(); n].join("\n"));
    let short = format!("## Notes\n\n{}\n", vec![unit.as_str(); n].join("\n\n"));
    let summary = |text: &str| {
        let runbook = Parse::new(text).runbook().clone();
        let labels: Vec<String> =
            runbook.fields.iter().map(|field| text[field.label_range.as_range()].to_string()).collect();
        let keys: Vec<String> = runbook.key_refs.iter().map(|key_ref| key_ref.slug.to_string()).collect();
        let suppressions: Vec<String> =
            runbook.suppressions.iter().map(|s| text[s.range.as_range()].to_string()).collect();
        (labels, keys, suppressions)
    };
    let (long_summary, short_summary) = (summary(&long), summary(&short));
    assert_eq!(long_summary.1.len(), 4 * n, "{:?}", &long_summary.1[..5]);
    assert_eq!(long_summary.0.len(), 3 * n);
    assert_eq!(long_summary.2.len(), n);
    assert_eq!(long_summary, short_summary);
}

/// Reading a long paragraph dense with code spans costs about the same per
/// byte however long it is: the grammar held 165 bytes of memory per byte of
/// such a paragraph and all its tokens until the end.
#[test]
fn long_paragraphs_of_code_spans_parse_in_linear_time() {
    check_linear("word `x` <!-- c --> ", 1024, 16);
}

/// An open document keeps its model for as long as it is open: arrays grown
/// by doubling left up to half of each unused (the sections of a 0.1 MB
/// runbook were 0.6 times its size).
#[test]
fn a_model_keeps_no_spare_capacity() {
    let broken = include_str!("../../../tests/fixtures/demo/runbooks/broken.md");
    let clean = include_str!("../../../tests/fixtures/demo/runbooks/clean.md");
    let text = [broken, clean].repeat(30).join("\n");
    let check = |runbook: &Runbook, allowed: fn(usize) -> usize| {
        let spare = [
            ("headings", runbook.headings.capacity() - runbook.headings.len()),
            ("sections", runbook.sections.capacity() - runbook.sections.len()),
            ("actions", runbook.actions.capacity() - runbook.actions.len()),
            ("steps", runbook.steps.capacity() - runbook.steps.len()),
            ("fields", runbook.fields.capacity() - runbook.fields.len()),
            ("key_refs", runbook.key_refs.capacity() - runbook.key_refs.len()),
            ("code_blocks", runbook.code_blocks.capacity() - runbook.code_blocks.len()),
            ("imports", runbook.imports.capacity() - runbook.imports.len()),
            ("calls", runbook.calls.capacity() - runbook.calls.len()),
            ("locations", runbook.locations.capacity() - runbook.locations.len()),
        ];
        assert!(runbook.actions.len() > 100 && runbook.sections.len() > 300);
        let lens = [
            runbook.headings.len(),
            runbook.sections.len(),
            runbook.actions.len(),
            runbook.steps.len(),
            runbook.fields.len(),
            runbook.key_refs.len(),
            runbook.code_blocks.len(),
            runbook.imports.len(),
            runbook.calls.len(),
            runbook.locations.len(),
        ];
        let over: Vec<_> = spare.iter().zip(lens).filter(|((_, spare), len)| *spare > allowed(*len)).collect();
        assert!(over.is_empty(), "spare capacity: {over:?}");
    };
    check(Parse::new(&text).runbook(), |_| 0);
    // An edit that adds an Action: the previous version's arrays grow in place.
    let mut document = crate::Document::new(&text);
    drop(document.parse());
    let at = text.len() / 2;
    let at = text[..at].rfind("\n\n").unwrap() + 2;
    document.edit(crate::TextRange::empty(at), "### Action 99: Added (SAFE)\n\n");
    // Reused arrays may keep what the items an edit removed held, never
    // the slack of doubling.
    check(document.parse().runbook(), |len| len / 16);
}
