//! One fixture per completion context: the items as text, each with the
//! range it replaces quoted (refresh with `UPDATE_EXPECT=1`).

use std::fmt::Write;

use expect_test::{Expect, expect};
use runbook_syntax::Parse;
use runbook_syntax::fixture::Fixture;

use crate::hover::tests::KEYS;
use crate::test_utils::catalog;
use crate::{CompletionList, IdeConfig, ResolveData, completions, resolve_completion, snippet_to_plain_text};

fn with_keys(runbook: &str) -> String {
    format!("//- /runbooks/runbook.md\n{runbook}{KEYS}")
}

/// `label [kind] detail="…" edit=12..19 "typed"`, plus what differs from the defaults.
fn render(text: &str, list: &CompletionList) -> String {
    let mut out = String::new();
    if list.is_incomplete {
        writeln!(out, "(incomplete)").unwrap();
    }
    for item in &list.items {
        let kind = format!("{:?}", item.kind).to_lowercase();
        write!(out, "{} [{kind}]", item.label).unwrap();
        if let Some(description) = &item.label_description {
            write!(out, " ({description})").unwrap();
        }
        if let Some(detail) = &item.detail {
            write!(out, " detail={detail:?}").unwrap();
        }
        let range = item.edit_range;
        write!(out, " edit={range:?} {:?}", &text[range.as_range()]).unwrap();
        if item.is_snippet {
            // The whole text is checked by `check_first_item`.
            write!(out, " snippet of {} lines", item.insert_text.lines().count()).unwrap();
        } else if item.insert_text != item.label {
            write!(out, " insert={:?}", item.insert_text).unwrap();
        }
        if item.preselect {
            write!(out, " preselect").unwrap();
        }
        if item.documentation.is_none() && item.resolve_data.is_some() {
            write!(out, " (docs on resolve)").unwrap();
        }
        writeln!(out).unwrap();
    }
    if list.items.is_empty() {
        writeln!(out, "(no items)").unwrap();
    }
    out
}

fn complete(fixture: &str, with_index: bool) -> (String, CompletionList) {
    let fixture = Fixture::parse(fixture);
    let main = fixture.main_file();
    let parse = Parse::new(&fixture.files[main].text);
    let (_fs, catalog) = catalog(&fixture);
    let catalog = with_index.then_some(&catalog);
    let list = completions(&parse, fixture.cursor_offset(), catalog, &IdeConfig::default());
    (parse.text().to_string(), list)
}

#[track_caller]
fn check(fixture: &str, expect: Expect) {
    let (text, list) = complete(fixture, true);
    expect.assert_eq(&render(&text, &list));
}

/// Before the KEY index is ready.
#[track_caller]
fn check_without_index(fixture: &str, expect: Expect) {
    let (text, list) = complete(fixture, false);
    expect.assert_eq(&render(&text, &list));
}

/// The first item's text as a client without snippet support inserts it,
/// and its documentation, resolved if it is resolved lazily.
#[track_caller]
fn check_first_item(fixture: &str, expect: Expect) {
    let parsed = Fixture::parse(fixture);
    let (_fs, catalog) = catalog(&parsed);
    let (_, list) = complete(fixture, true);
    let item = list.items.first().expect("an item");
    let insert = if item.is_snippet { snippet_to_plain_text(&item.insert_text) } else { item.insert_text.clone() };
    let documentation = match (&item.documentation, &item.resolve_data) {
        (Some(documentation), _) => documentation.clone(),
        (None, Some(data)) => resolve_completion(data, Some(&catalog)).expect("resolves"),
        (None, None) => String::new(),
    };
    expect.assert_eq(&format!("{}\n---- inserts:\n{insert}\n---- documentation:\n{documentation}\n", item.label));
}

#[test]
fn key_slug_in_a_code_span() {
    check(
        &with_keys("Use `node-st$0` to count events.\n"),
        expect![[r#"
            node-stripe-webhook-replay [key] detail="Stripe Webhook Replay" edit=5..12 "node-st" (docs on resolve)
            node-webhook-secret-update [key] detail="Webhook Secret Update" edit=5..12 "node-st" (docs on resolve)
        "#]],
    );
}

#[test]
fn key_slug_after_an_unclosed_backtick_closes_the_span() {
    check(
        &with_keys("### Action 1: Check (SAFE)\n\n- **KEY**: `webhook$0\n"),
        expect![[r#"
            node-stripe-webhook-replay [key] detail="Stripe Webhook Replay" edit=40..47 "webhook" insert="node-stripe-webhook-replay`" (docs on resolve)
            node-webhook-monitoring [key] detail="Webhook Monitoring" edit=40..47 "webhook" insert="node-webhook-monitoring`" (docs on resolve)
            node-webhook-secret-update [key] detail="Webhook Secret Update" edit=40..47 "webhook" insert="node-webhook-secret-update`" (docs on resolve)
        "#]],
    );
}

#[test]
fn key_slug_after_the_key_label_gets_backticks() {
    check(
        &with_keys("**KEY**: node-wsu$0\n"),
        expect![[r#"
            node-webhook-secret-update [key] detail="Webhook Secret Update" edit=9..17 "node-wsu" insert="`node-webhook-secret-update`" (docs on resolve)
        "#]],
    );
}

#[test]
fn key_slug_replaces_the_whole_word_around_the_cursor() {
    check(
        &with_keys("See `node-stri$0pe-webhok-replay` for replays.\n"),
        expect![[r#"
            node-stripe-webhook-replay [key] detail="Stripe Webhook Replay" edit=5..30 "node-stripe-webhok-replay" (docs on resolve)
        "#]],
    );
}

#[test]
fn key_slug_at_the_very_end_of_the_document() {
    let fixture = format!("{KEYS}//- /runbooks/runbook.md\nLast: `node-mon$0");
    check(
        &fixture,
        expect![[r#"
            node-webhook-monitoring [key] detail="Webhook Monitoring" edit=7..15 "node-mon" insert="node-webhook-monitoring`" (docs on resolve)
        "#]],
    );
}

#[test]
fn key_slug_documentation_is_resolved_lazily() {
    check_first_item(
        &with_keys("`node-stripe$0`\n"),
        expect![[r#"
            node-stripe-webhook-replay
            ---- inserts:
            node-stripe-webhook-replay
            ---- documentation:
            **Stripe Webhook Replay** · `node-stripe-webhook-replay`

            Replays failed Stripe webhook events.

            **Family**: `node` · **Runtime**: `node`

            **Safety**: the KEY declares **REVERSIBLE** (key.json)

            **Side effects**:
            - Replays webhook events from Stripe
            - Updates the database with event data
            - Writes replayed events to the `webhook_events` table (`@sideEffect` of `replayFailedWebhooks`)

            **Required env**: `STRIPE_SECRET_KEY`

            **Exports**: `DEFAULT_BATCH`, `countFailedWebhooks`, `replayFailedWebhooks`; types `ReplayOptions`, `ReplayResult`

            **Defined in**: `/node-keys/stripe-webhook-replay/key.json`, entry `/node-keys/stripe-webhook-replay/src/index.ts`
        "#]],
    );
}

#[test]
fn no_key_slugs_in_code_spans_that_are_not_slugs() {
    check(&with_keys("Run `curl -X$0`.\n"), expect!["(no items)\n"]);
    check(&with_keys("```ts$0\n```\n"), expect!["(no items)\n"]);
}

#[test]
fn key_folders_inside_an_import_specifier() {
    check(
        &with_keys("```ts\nimport { x } from '@/node-keys/webh$0';\n```\n"),
        expect![[r#"
            webhook-monitoring [keyfolder] detail="node-webhook-monitoring — Webhook Monitoring" edit=37..41 "webh" (docs on resolve)
            webhook-secret-update [keyfolder] detail="node-webhook-secret-update — Webhook Secret Update" edit=37..41 "webh" (docs on resolve)
            stripe-webhook-replay [keyfolder] detail="node-stripe-webhook-replay — Stripe Webhook Replay" edit=37..41 "webh" (docs on resolve)
        "#]],
    );
}

#[test]
fn src_after_a_key_folder() {
    check(
        &with_keys("```ts\nimport { x } from '@/node-keys/webhook-monitoring/$0';\n```\n"),
        expect![[r#"
            src [module] detail="the entry of node-webhook-monitoring (src/index.ts)" edit=56..56 ""
        "#]],
    );
}

/// Issue 12, bug 6: Helix 25.01 asks once, after `'@/`, and then only
/// filters what it got as the user types on: the KEYs' specifiers must be
/// in that first list.
#[test]
fn root_prefixes_and_entry_specifiers_inside_an_import_specifier() {
    check(
        &with_keys("```ts\nimport { x } from '@/$0';\n```\n"),
        expect![[r#"
            @/node-keys/ [keyfolder] detail="key root" edit=25..27 "@/"
            @/node-keys/stripe-webhook-replay/src [module] detail="node-stripe-webhook-replay — Stripe Webhook Replay" edit=25..27 "@/" (docs on resolve)
            @/node-keys/webhook-monitoring/src [module] detail="node-webhook-monitoring — Webhook Monitoring" edit=25..27 "@/" (docs on resolve)
            @/node-keys/webhook-secret-update/src [module] detail="node-webhook-secret-update — Webhook Secret Update" edit=25..27 "@/" (docs on resolve)
        "#]],
    );
    check(
        &with_keys("```ts\nimport { x } from '@/n$0';\n```\n"),
        expect![[r#"
            @/node-keys/ [keyfolder] detail="key root" edit=25..28 "@/n"
            @/node-keys/stripe-webhook-replay/src [module] detail="node-stripe-webhook-replay — Stripe Webhook Replay" edit=25..28 "@/n" (docs on resolve)
            @/node-keys/webhook-monitoring/src [module] detail="node-webhook-monitoring — Webhook Monitoring" edit=25..28 "@/n" (docs on resolve)
            @/node-keys/webhook-secret-update/src [module] detail="node-webhook-secret-update — Webhook Secret Update" edit=25..28 "@/n" (docs on resolve)
        "#]],
    );
}

#[test]
fn exported_names_callables_first_types_marked() {
    check(
        &with_keys("```ts\nimport { $0 } from '@/node-keys/stripe-webhook-replay/src';\n```\n"),
        expect![[r#"
            countFailedWebhooks [function] detail="export async function countFailedWebhooks(startTime: Date): Promise<number>" edit=15..15 ""
            replayFailedWebhooks [function] detail="export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>" edit=15..15 ""
            DEFAULT_BATCH [variable] detail="export const DEFAULT_BATCH = 50" edit=15..15 ""
            ReplayOptions [interface] (type) detail="export interface ReplayOptions" edit=15..15 ""
            ReplayResult [type] (type) detail="export type ReplayResult = { replayed: number }" edit=15..15 ""
        "#]],
    );
}

#[test]
fn exported_names_already_imported_are_left_out() {
    check(
        &with_keys(
            "```ts\nimport {\n  replayFailedWebhooks,\n  type ReplayOptions,\n  re$0\n} from '@/node-keys/stripe-webhook-replay/src';\n```\n",
        ),
        expect![[r#"
            ReplayResult [type] (type) detail="export type ReplayResult = { replayed: number }" edit=63..65 "re"
        "#]],
    );
}

#[test]
fn exported_names_of_the_actions_key_before_the_from_is_written() {
    check(
        &with_keys(
            "### Action 1: Replay (REVERSIBLE)\n\n**KEY**: `node-stripe-webhook-replay`\n\n**Execution**:\n```ts\nimport { rep$0\n```\n",
        ),
        expect![[r#"
            replayFailedWebhooks [function] detail="export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>" edit=104..107 "rep"
            ReplayOptions [interface] (type) detail="export interface ReplayOptions" edit=104..107 "rep"
            ReplayResult [type] (type) detail="export type ReplayResult = { replayed: number }" edit=104..107 "rep"
        "#]],
    );
}

#[test]
fn exported_name_documentation() {
    check_first_item(
        &with_keys("```ts\nimport { replay$0 } from '@/node-keys/stripe-webhook-replay/src';\n```\n"),
        expect![[r#"
            replayFailedWebhooks
            ---- inserts:
            replayFailedWebhooks
            ---- documentation:
            ```typescript
            export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>
            ```

            Replays every failed webhook event since `startTime`.

            - *@param* `options` — Which events to replay

            **Safety**: `replayFailedWebhooks` is REVERSIBLE - events are idempotent; the KEY declares **REVERSIBLE** (key.json)

            **Side effects** of `node-stripe-webhook-replay`:
            - Replays webhook events from Stripe
            - Updates the database with event data
            - Writes replayed events to the `webhook_events` table (`@sideEffect` of `replayFailedWebhooks`)

            From KEY `node-stripe-webhook-replay` (Stripe Webhook Replay) · defined in `/node-keys/stripe-webhook-replay/src/handlers/replay.ts:9`
        "#]],
    );
}

#[test]
fn a_missing_key_gives_no_items_from_another_key() {
    // The KEY field names no KEY, and the import names no KEY folder.
    check(
        &with_keys("### Action 1: Replay (REVERSIBLE)\n\n**KEY**: `node-does-not-exist`\n\n```ts\nimport { $0\n```\n"),
        expect!["(no items)\n"],
    );
    check(&with_keys("```ts\nimport { $0 } from '@/node-keys/does-not-exist/src';\n```\n"), expect!["(no items)\n"]);
    check(&with_keys("```ts\nimport { x } from '@/node-keys/does-not-exist/$0';\n```\n"), expect!["(no items)\n"]);
    check(
        &with_keys("### Action 1: Replay\n\n**KEY**: `node-does-not-exist`\n\n```ts\nawait re$0\n```\n"),
        expect!["(no items)\n"],
    );
}

#[test]
fn imported_names_at_call_sites() {
    check(
        &with_keys(
            "```ts\nimport { replayFailedWebhooks, type ReplayOptions } from '@/node-keys/stripe-webhook-replay/src';\nimport { checkWebhookHealth as probe } from '@/node-keys/webhook-monitoring/src';\n\nawait $0\n```\n",
        ),
        expect![[r#"
            probe [function] detail="export const checkWebhookHealth = async (params: { endpoint: string })" edit=193..193 ""
            replayFailedWebhooks [function] detail="export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>" edit=193..193 ""
        "#]],
    );
}

#[test]
fn imported_names_at_call_sites_without_the_index() {
    check_without_index(
        &with_keys(
            "```ts\nimport { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';\nconst result = await rep$0Failed\n```\n",
        ),
        expect![[r#"
            replayFailedWebhooks [function] detail="imported from '@/node-keys/stripe-webhook-replay/src'" edit=105..114 "repFailed"
        "#]],
    );
}

#[test]
fn nothing_in_strings_comments_or_member_access() {
    check(
        &with_keys("```ts\nimport { a } from '@/node-keys/webhook-monitoring/src';\nconsole.log('a$0');\n```\n"),
        expect!["(no items)\n"],
    );
    check(
        &with_keys("```ts\nimport { a } from '@/node-keys/webhook-monitoring/src';\n// call a$0\n```\n"),
        expect!["(no items)\n"],
    );
    check(
        &with_keys("```ts\nimport { a } from '@/node-keys/webhook-monitoring/src';\nresult.a$0\n```\n"),
        expect!["(no items)\n"],
    );
    check(&with_keys("```bash\nstripe events $0\n```\n"), expect!["(no items)\n"]);
}

#[test]
fn location_paths_the_actions_key_first() {
    check(
        &with_keys(
            "### Action 1: Replay (REVERSIBLE)\n\n- **KEY**: `node-stripe-webhook-replay`\n- **Location**: `/node-keys/$0`\n",
        ),
        expect![[r#"
            /node-keys/stripe-webhook-replay/src/index.ts [file] detail="entry of node-stripe-webhook-replay" edit=92..103 "/node-keys/" preselect (docs on resolve)
            /node-keys/stripe-webhook-replay/src/handlers/replay.ts [file] detail="file of node-stripe-webhook-replay" edit=92..103 "/node-keys/" (docs on resolve)
            /node-keys/stripe-webhook-replay/src/types.ts [file] detail="file of node-stripe-webhook-replay" edit=92..103 "/node-keys/" (docs on resolve)
            /node-keys/webhook-monitoring/src/index.ts [file] detail="entry of node-webhook-monitoring" edit=92..103 "/node-keys/" (docs on resolve)
            /node-keys/webhook-secret-update/src/index.ts [file] detail="entry of node-webhook-secret-update" edit=92..103 "/node-keys/" (docs on resolve)
        "#]],
    );
}

#[test]
fn location_paths_without_backticks() {
    check(
        &with_keys("**Location**: monitoring$0\n"),
        expect![[r#"
            /node-keys/webhook-monitoring/src/index.ts [file] detail="entry of node-webhook-monitoring" edit=14..24 "monitoring" insert="`/node-keys/webhook-monitoring/src/index.ts`" (docs on resolve)
        "#]],
    );
}

#[test]
fn safety_classes_after_the_heading_parenthesis() {
    check(
        &with_keys("### Action 1: Replay events (REV$0\n\n**KEY**: `node-stripe-webhook-replay`\n"),
        expect![[r#"
            REVERSIBLE [safetyclass] (declared by the KEY) detail="Has side effects; Can be undone; Rollback procedure exists" edit=29..32 "REV" preselect
            IRREVERSIBLE [safetyclass] detail="Permanent changes; Cannot be undone; Use with extreme caution" edit=29..32 "REV"
        "#]],
    );
}

#[test]
fn safety_classes_after_the_safety_label() {
    check(
        &with_keys("### Action 1: Check\n\n**KEY**: `node-webhook-monitoring`\n\n**Safety**: $0\n"),
        expect![[r#"
            SAFE [safetyclass] (declared by the KEY) detail="Read-only operations; No side effects; Can be run multiple times safely" edit=69..69 "" preselect
            REVERSIBLE [safetyclass] detail="Has side effects; Can be undone; Rollback procedure exists" edit=69..69 ""
            IRREVERSIBLE [safetyclass] detail="Permanent changes; Cannot be undone; Use with extreme caution" edit=69..69 ""
        "#]],
    );
}

#[test]
fn safety_class_documentation() {
    check_first_item(
        "**Safety**: IRR$0\n",
        expect![[r#"
            IRREVERSIBLE
            ---- inserts:
            IRREVERSIBLE
            ---- documentation:
            **IRREVERSIBLE** (safety class)

            - Permanent changes
            - Cannot be undone
            - Use with extreme caution

            **Example**: Data deletion, permanent configuration changes

            An Action's class is the stricter of its heading's and its **Safety** field's (SAFE < REVERSIBLE < IRREVERSIBLE).
        "#]],
    );
}

#[test]
fn field_labels_missing_ones_first() {
    check(
        &with_keys(
            "### Action 1: Replay (REVERSIBLE)\n\n**Preconditions**: none\n- **KEY**: `node-stripe-webhook-replay`\n\n**$0\n",
        ),
        expect![[r#"
            Action [fieldlabel] detail="field" edit=102..102 "" insert="Action**: "
            Automated [fieldlabel] detail="field" edit=102..102 "" insert="Automated**: "
            Location [fieldlabel] detail="field" edit=102..102 "" insert="Location**: "
            Side Effects [fieldlabel] detail="field" edit=102..102 "" insert="Side Effects**: "
            Execution [fieldlabel] detail="field" edit=102..102 "" insert="Execution**: "
            Safety [fieldlabel] detail="field" edit=102..102 "" insert="Safety**: "
            Manual Alternative [fieldlabel] detail="field" edit=102..102 "" insert="Manual Alternative**: "
            Expected [fieldlabel] detail="field" edit=102..102 "" insert="Expected**: "
            Verification [fieldlabel] detail="field" edit=102..102 "" insert="Verification**: "
            Rollback [fieldlabel] detail="field" edit=102..102 "" insert="Rollback**: "
            Warning [fieldlabel] detail="field" edit=102..102 "" insert="Warning**: "
            Preconditions [fieldlabel] (already in this Action) detail="field" edit=102..102 "" insert="Preconditions**: "
            KEY [fieldlabel] (already in this Action) detail="field" edit=102..102 "" insert="KEY**: "
        "#]],
    );
}

#[test]
fn field_labels_in_a_list_item_replace_the_closing_delimiters() {
    check_without_index(
        "- **Side E$0**: writes\n",
        expect![[r#"
            Side Effects [fieldlabel] detail="field" edit=4..13 "Side E**:" insert="Side Effects**:"
        "#]],
    );
}

#[test]
fn without_the_index_only_what_needs_none() {
    check_without_index(
        &with_keys("### Action 1: Replay (R$0\n\n**KEY**: `node-stripe-webhook-replay`\n"),
        expect![[r#"
            REVERSIBLE [safetyclass] detail="Has side effects; Can be undone; Rollback procedure exists" edit=22..23 "R"
            IRREVERSIBLE [safetyclass] detail="Permanent changes; Cannot be undone; Use with extreme caution" edit=22..23 "R"
        "#]],
    );
    check_without_index(&with_keys("Use `node-st$0`\n"), expect!["(no items)\n"]);
    check_without_index(&with_keys("### Act$0\n"), expect!["(no items)\n"]);
    check_without_index(
        &with_keys("```ts\nimport { $0 } from '@/node-keys/stripe-webhook-replay/src';\n```\n"),
        expect!["(no items)\n"],
    );
}

#[test]
fn action_section_snippets_on_a_heading() {
    check(
        &with_keys("## Action Steps\n\n### Action 1: Something (SAFE)\n\n#### Act$0\n"),
        expect![[r#"
            Action 2: Stripe Webhook Replay (REVERSIBLE) [snippet] detail="Action section running node-stripe-webhook-replay" edit=54..57 "Act" snippet of 26 lines (docs on resolve)
            Action 2: Webhook Monitoring (SAFE) [snippet] detail="Action section running node-webhook-monitoring" edit=54..57 "Act" snippet of 24 lines (docs on resolve)
            Action 2: Webhook Secret Update (REVERSIBLE) [snippet] detail="Action section running node-webhook-secret-update" edit=54..57 "Act" snippet of 24 lines (docs on resolve)
        "#]],
    );
}

#[test]
fn action_section_snippet_as_plain_text_with_its_preview() {
    check_first_item(
        &with_keys("### Action 1: Something (SAFE)\n\nacti$0\n"),
        expect![[r#"
            ### Action 2: Stripe Webhook Replay (REVERSIBLE)
            ---- inserts:
            ### Action 2: Stripe Webhook Replay (REVERSIBLE)

            **Preconditions**:
            - Failed events identified

            **Automated (Preferred)**:
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
            - **Side Effects**:
              - Replays webhook events from Stripe
              - Updates the database with event data
              - Writes replayed events to the `webhook_events` table

            **Execution**:
            ```typescript
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';

            await replayFailedWebhooks({ dryRun: true });
            ```

            **Manual Alternative (If Automation Fails)**: How to do it by hand

            **Verification**: How to tell that it worked

            **Rollback**: Events are idempotent; replaying again is safe.

            ---- documentation:
            Writes Action 2 for KEY `node-stripe-webhook-replay`:

            ````markdown
            ### Action 2: Stripe Webhook Replay (REVERSIBLE)

            **Preconditions**:
            - Failed events identified

            **Automated (Preferred)**:
            - **KEY**: `node-stripe-webhook-replay`
            - **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
            - **Side Effects**:
              - Replays webhook events from Stripe
              - Updates the database with event data
              - Writes replayed events to the `webhook_events` table

            **Execution**:
            ```typescript
            import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';

            await replayFailedWebhooks({ dryRun: true });
            ```

            **Manual Alternative (If Automation Fails)**: How to do it by hand

            **Verification**: How to tell that it worked

            **Rollback**: Events are idempotent; replaying again is safe.
            ````
        "#]],
    );
}

#[test]
fn multi_byte_text_before_the_cursor() {
    check(
        &with_keys("### Action 1: Rückspiel 🔁 der Ereignisse (IRR$0\n"),
        expect![[r#"
            IRREVERSIBLE [safetyclass] detail="Permanent changes; Cannot be undone; Use with extreme caution" edit=46..49 "IRR"
        "#]],
    );
    check(
        &with_keys("Nutze `node-stripe$0` — für 🔁.\n"),
        expect![[r#"
            node-stripe-webhook-replay [key] detail="Stripe Webhook Replay" edit=7..18 "node-stripe" (docs on resolve)
        "#]],
    );
}

#[test]
fn very_many_keys_give_the_best_hundred() {
    let mut keys = String::new();
    for n in 0..250 {
        write!(keys, "//- /node-keys/key-{n}/src/index.ts\nexport const x = 1;\n").unwrap();
    }
    let (_, list) = complete(&format!("//- /runbooks/runbook.md\nUse `node-$0`\n{keys}"), true);
    assert!(list.is_incomplete);
    assert_eq!(list.items.len(), crate::completion::MAX_COMPLETION_ITEMS);
    // The best match comes first even when it sorts late by name.
    let (text, list) = complete(&format!("//- /runbooks/runbook.md\nUse `key-249$0`\n{keys}"), true);
    assert!(!list.is_incomplete);
    assert_eq!(list.items[0].label, "node-key-249", "{}", render(&text, &list));
}

/// Aliases follow the canonical slugs: they fill what the canonical slugs
/// leave of the list, and none shows when those alone overfill it.
#[test]
fn aliases_fill_the_list_after_the_canonical_slugs() {
    let keys = |n: usize| {
        let mut keys = String::new();
        for index in 0..n {
            write!(keys, "//- /node-keys/key-{index}/key.json\n{{ \"slug\": \"key-{index}\", \"tool\": \"next\" }}\n")
                .unwrap();
        }
        keys
    };
    let count = |list: &crate::completion::CompletionList, prefix: &str| {
        list.items.iter().filter(|item| item.label.starts_with(prefix)).count()
    };
    let (_, list) = complete(&format!("//- /runbooks/runbook.md\nUse `n$0`\n{}", keys(70)), true);
    assert!(list.is_incomplete);
    assert_eq!((count(&list, "node-"), count(&list, "next-")), (70, 30));
    let (_, list) = complete(&format!("//- /runbooks/runbook.md\nUse `n$0`\n{}", keys(150)), true);
    assert!(list.is_incomplete);
    assert_eq!((count(&list, "node-"), count(&list, "next-")), (100, 0));
    let (_, list) = complete(&format!("//- /runbooks/runbook.md\nUse `next-key-149$0`\n{}", keys(150)), true);
    assert_eq!(list.items[0].label, "next-key-149");
}

#[test]
fn resolve_data_round_trips_through_json() {
    let data = ResolveData::ActionSection { slug: "node-x".to_string(), number: 2, level: 3 };
    let json = serde_json::to_value(&data).unwrap();
    assert_eq!(json, serde_json::json!({ "kind": "action-section", "slug": "node-x", "number": 2, "level": 3 }));
    assert_eq!(serde_json::from_value::<ResolveData>(json).unwrap(), data);
}

/// Completion and hover at every byte offset of real runbooks (offsets inside
/// multi-byte characters included) never panic, and every range they return
/// lies inside the text, on character boundaries, and touches the cursor.
#[test]
fn every_offset_of_real_runbooks_is_safe() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let demo = repository.join("tests/fixtures/demo");
    let fs = runbook_keys::fs::RealFs::new([demo.clone()]);
    let catalog = runbook_keys::KeyCatalog::build(&fs, &demo, &runbook_keys::CatalogConfig::default());
    assert!(catalog.key("node-stripe-webhook-replay").is_some());
    let mut texts: Vec<String> = ["runbooks/clean.md", "runbooks/broken.md"]
        .iter()
        .map(|file| std::fs::read_to_string(demo.join(file)).unwrap())
        .collect();
    texts.push(
        std::fs::read_to_string(
            repository.join("tests/corpus/keys-repo/runbook-keys/stripe-webhook-failure/README.md"),
        )
        .unwrap(),
    );
    // Mid-edit text: unclosed spans, braces and fences, multi-byte characters, CRLF.
    texts.push(
        "### Action 1: Rückspiel 🔁 (REV\r\n- **KEY**: `node-st\r\n**Location**: /node-keys/é\r\n**\r\n```ts\r\nimport { re, ✓ from '@/node-keys/stripe-webhook-replay/\r\nawait re\r\n".to_string(),
    );
    texts.push("`".to_string());
    texts.push(String::new());
    let config = IdeConfig::default();
    for text in &texts {
        let parse = Parse::new(text);
        for offset in 0..=text.len() + 2 {
            let cursor = runbook_syntax::floor_char_boundary(text, offset);
            let check_range = |range: runbook_syntax::TextRange, what: &str| {
                assert!(range.end <= text.len(), "{what} {range:?} past the end at {offset}");
                assert!(
                    text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
                    "{what} {range:?} at {offset}"
                );
                assert!(range.touches(cursor), "{what} {range:?} does not touch the cursor {cursor}");
                assert!(!text[range.as_range()].contains(['\n', '\r']), "{what} {range:?} spans lines");
            };
            for catalog in [Some(&catalog), None] {
                let list = completions(&parse, offset, catalog, &config);
                for item in &list.items {
                    check_range(item.edit_range, &item.label);
                }
                if let Some(hover) = crate::hover(&parse, offset, catalog, &config) {
                    check_range(hover.range, "hover");
                }
            }
        }
    }
}

/// The text an Action section item leaves in the document, per client:
/// what VS Code expands (placeholder defaults, a choice's first option),
/// what Helix 25.01 expands (a choice renders empty: `render_tabstop` in
/// helix-core/src/snippets/render.rs), what a client without snippets
/// inserts (the plain text), and what Neovim 0.11's omnifunc inserts: one
/// word, from `get_completion_word` in runtime/lua/vim/lsp/completion.lua
/// (Neovim offers snippet support, and `ignorecase` is off by default).
fn inserted_by_each_client(text: &str, cursor: usize, item: &crate::CompletionItem) -> Vec<(&'static str, String)> {
    let range = item.edit_range.as_range();
    let replace = |inserted: &str, end: usize| format!("{}{inserted}{}", &text[..range.start], &text[end..]);
    let plain = snippet_to_plain_text(&item.insert_text);
    let without_choices = {
        let mut out = String::new();
        let mut rest = item.insert_text.as_str();
        while let Some(start) = rest.find("${") {
            let digits = rest[start + 2..].chars().take_while(char::is_ascii_digit).count();
            if rest[start + 2 + digits..].starts_with('|') {
                out.push_str(&rest[..start]);
                rest = &rest[start + rest[start..].find("|}").expect("a closed choice") + 2..];
            } else {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
            }
        }
        out.push_str(rest);
        out
    };
    let prefix = &text[range.start..cursor];
    let omnifunc_word = if item.is_snippet {
        let word = if plain.len() < item.label.len() {
            plain.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
        } else {
            item.label.clone()
        };
        match &item.filter_text {
            Some(filter) if !word.starts_with(prefix) => filter.clone(),
            _ => word,
        }
    } else {
        plain.split_whitespace().next().unwrap_or_default().to_string()
    };
    vec![
        ("VS Code", replace(&plain, range.end)),
        ("Helix 25.01", replace(&snippet_to_plain_text(&without_choices), range.end)),
        ("without snippets", replace(&plain, range.end)),
        ("Neovim omnifunc", replace(&omnifunc_word, cursor)),
    ]
}

/// For each Action section item at the cursor: the findings each client's
/// insertion adds to the document (compared by code with those before).
fn render_findings_after_insertion(fixture: &str) -> String {
    let parsed = Fixture::parse(fixture);
    let (fs, catalog) = catalog(&parsed);
    let main = parsed.main_file();
    let path = crate::test_utils::fixture_path(&parsed, main);
    let root = std::path::PathBuf::from(crate::test_utils::WORKSPACE_ROOT);
    let config = IdeConfig::default();
    let workspace = crate::Workspace { root: &root, config: &config, catalog: Some(&catalog), fs: &fs, packs: None };
    let codes = |text: &str| -> Vec<String> {
        let parse = Parse::new(text);
        let found = crate::diagnostics(&crate::File { path: &path, parse: &parse }, &workspace);
        found.iter().map(|diagnostic| diagnostic.code.to_string()).collect()
    };
    let text = &parsed.files[main].text;
    let cursor = parsed.cursor_offset();
    let before = codes(text);
    let list = completions(&Parse::new(text), cursor, Some(&catalog), &config);
    let mut out = String::new();
    for item in list.items.iter().filter(|item| item.kind == crate::CompletionKind::Snippet) {
        writeln!(out, "{}", item.label).unwrap();
        for (client, inserted) in inserted_by_each_client(text, cursor, item) {
            let mut added = codes(&inserted);
            for code in &before {
                if let Some(at) = added.iter().position(|added| added == code) {
                    added.remove(at);
                }
            }
            let line_start = inserted[..item.edit_range.start].rfind('\n').map_or(0, |at| at + 1);
            let heading = inserted[line_start..].lines().next().unwrap_or_default();
            let added = if added.is_empty() { "nothing".to_string() } else { added.join(", ") };
            writeln!(out, "  {client}: {heading:?} adds {added}").unwrap();
        }
    }
    out
}

/// `render_findings_after_insertion`, checked for what must never happen.
#[track_caller]
fn classified_everywhere(fixture: &str) -> String {
    let rendered = render_findings_after_insertion(fixture);
    assert!(!rendered.is_empty(), "no Action section items");
    assert!(!rendered.contains("missing-safety") && !rendered.contains("()"), "{rendered}");
    for line in rendered.lines().filter(|line| !line.contains("omnifunc") && line.starts_with("  ")) {
        assert!(line.ends_with("adds nothing"), "{rendered}");
    }
    rendered
}

/// Issue 12, bug 5: whatever the client, the inserted Action has a safety
/// class (the KEY's declared one, else REVERSIBLE) and nothing to fix. The
/// omnifunc inserts one line, the label: a classified heading whose body
/// (Preconditions, and Rollback or Warning as the class asks) is still to
/// be written.
#[test]
fn action_section_items_insert_a_classified_action_in_every_client() {
    let extra_keys = r#"
//- /node-keys/event-purge/key.json
{ "slug": "event-purge", "title": "Event Purge", "tool": "node", "safety": "IRREVERSIBLE", "side_effects": ["Deletes old events"] }
//- /node-keys/event-purge/src/index.ts
export async function purgeEvents(): Promise<void> {}
//- /node-keys/undeclared/src/index.ts
export async function runUndeclared(): Promise<void> {}
"#;
    let on_heading = format!("//- /runbooks/runbook.md\n## Action Steps\n\n### Act$0\n{KEYS}{extra_keys}");
    expect![[r####"
        Action 1: Event Purge (IRREVERSIBLE)
          VS Code: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          without snippets: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Event Purge (IRREVERSIBLE)" adds missing-precondition, irreversible-without-warning
        Action 1: Stripe Webhook Replay (REVERSIBLE)
          VS Code: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds missing-precondition, missing-rollback
        Action 1: Undeclared (REVERSIBLE)
          VS Code: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Undeclared (REVERSIBLE)" adds missing-precondition, missing-rollback
        Action 1: Webhook Monitoring (SAFE)
          VS Code: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          Helix 25.01: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          without snippets: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          Neovim omnifunc: "### Action 1: Webhook Monitoring (SAFE)" adds missing-precondition
        Action 1: Webhook Secret Update (REVERSIBLE)
          VS Code: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds missing-precondition, missing-rollback
    "####]]
    .assert_eq(&classified_everywhere(&on_heading));
    let on_a_bare_line = format!("//- /runbooks/runbook.md\n## Action Steps\n\nact$0\n{KEYS}{extra_keys}");
    expect![[r####"
        ### Action 1: Event Purge (IRREVERSIBLE)
          VS Code: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          without snippets: "### Action 1: Event Purge (IRREVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Event Purge (IRREVERSIBLE)" adds missing-precondition, irreversible-without-warning
        ### Action 1: Stripe Webhook Replay (REVERSIBLE)
          VS Code: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Stripe Webhook Replay (REVERSIBLE)" adds missing-precondition, missing-rollback
        ### Action 1: Undeclared (REVERSIBLE)
          VS Code: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Undeclared (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Undeclared (REVERSIBLE)" adds missing-precondition, missing-rollback
        ### Action 1: Webhook Monitoring (SAFE)
          VS Code: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          Helix 25.01: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          without snippets: "### Action 1: Webhook Monitoring (SAFE)" adds nothing
          Neovim omnifunc: "### Action 1: Webhook Monitoring (SAFE)" adds missing-precondition
        ### Action 1: Webhook Secret Update (REVERSIBLE)
          VS Code: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          Helix 25.01: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          without snippets: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds nothing
          Neovim omnifunc: "### Action 1: Webhook Secret Update (REVERSIBLE)" adds missing-precondition, missing-rollback
    "####]]
    .assert_eq(&classified_everywhere(&on_a_bare_line));
}

/// SPEC 1: canonical slugs first, then the aliases from manifest `tool`s;
/// an alias that is typed is still offered.
#[test]
fn canonical_slugs_before_aliases() {
    let keys = r#"//- /node-keys/audit-log-capture/key.json
{ "slug": "audit-log-capture", "title": "Audit Log Capture", "tool": "next" }
//- /node-keys/safe-cron-execution/key.json
{ "slug": "safe-cron-execution", "tool": "node" }
"#;
    check(
        &format!("//- /runbooks/runbook.md\n- **KEY**: `$0`\n{keys}"),
        expect![[r#"
        node-audit-log-capture [key] detail="Audit Log Capture" edit=12..12 "" (docs on resolve)
        node-safe-cron-execution [key] detail="safe-cron-execution" edit=12..12 "" (docs on resolve)
        next-audit-log-capture [key] detail="alias of node-audit-log-capture · Audit Log Capture" edit=12..12 "" (docs on resolve)
    "#]],
    );
    check(
        &format!("//- /runbooks/runbook.md\n- **KEY**: `next-au$0`\n{keys}"),
        expect![[r#"
        next-audit-log-capture [key] detail="alias of node-audit-log-capture · Audit Log Capture" edit=12..19 "next-au" (docs on resolve)
    "#]],
    );
}
