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
        writeln!(out, "{indent}h{} {}{kind} section={:?}", section.level, quote(heading.text_range), section.range).unwrap();
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
        writeln!(out, "import[code {}] {} {{ {} }}", import.code_block, quote(import.specifier_range), names.join(", ")).unwrap();
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
