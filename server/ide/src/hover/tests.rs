//! One fixture per hover target: the hovered range quoted, then the markdown
//! (refresh with `UPDATE_EXPECT=1`). `KEYS` is the demo workspace's KEYs,
//! which the completion tests share.

use expect_test::{Expect, expect};
use runbook_syntax::Parse;
use runbook_syntax::fixture::Fixture;

use crate::test_utils::catalog;
use crate::{IdeConfig, hover};

/// The demo workspace's KEYs, trimmed to what completion shows.
pub(crate) const KEYS: &str = r#"
//- /node-keys/stripe-webhook-replay/key.json
{ "slug": "stripe-webhook-replay", "title": "Stripe Webhook Replay", "description": "Replays failed Stripe webhook events.", "tool": "node", "runtime": "node", "side_effects": ["Replays webhook events from Stripe", "Updates the database with event data"], "required_env": ["STRIPE_SECRET_KEY"], "safety": "REVERSIBLE", "preconditions": ["Failed events identified"], "rollback": "Events are idempotent; replaying again is safe." }
//- /node-keys/stripe-webhook-replay/src/index.ts
export { replayFailedWebhooks, countFailedWebhooks, DEFAULT_BATCH } from './handlers/replay';
export type { ReplayOptions, ReplayResult } from './types';
//- /node-keys/stripe-webhook-replay/src/types.ts
export interface ReplayOptions { startTime: Date; dryRun?: boolean }
export type ReplayResult = { replayed: number };
//- /node-keys/stripe-webhook-replay/src/handlers/replay.ts
import type { ReplayOptions, ReplayResult } from '../types';
export const DEFAULT_BATCH = 50;
/**
 * Replays every failed webhook event since `startTime`.
 * @param options - Which events to replay
 * @safety REVERSIBLE - events are idempotent
 * @sideEffect Writes replayed events to the `webhook_events` table
 */
export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult> {}
/**
 * Counts failed webhook events.
 * @safety SAFE
 */
export async function countFailedWebhooks(startTime: Date): Promise<number> {}
//- /node-keys/webhook-monitoring/key.json
{ "slug": "webhook-monitoring", "title": "Webhook Monitoring", "tool": "node", "safety": "SAFE", "side_effects": [] }
//- /node-keys/webhook-monitoring/src/index.ts
/** Probes a webhook endpoint. */
export const checkWebhookHealth = async (params: { endpoint: string }) => ({ ok: true });
//- /node-keys/webhook-secret-update/key.json
{ "slug": "webhook-secret-update", "title": "Webhook Secret Update", "tool": "node", "safety": "REVERSIBLE", "side_effects": ["Restarts the application service"] }
//- /node-keys/webhook-secret-update/src/index.ts
export async function updateWebhookSecret(params: { newSecret: string }): Promise<void> {}
"#;

fn with_keys(runbook: &str) -> String {
    format!("//- /runbooks/runbook.md\n{runbook}{KEYS}")
}

const ACTION: &str = r#"### Action 2: Replay Failed Webhook Events (REVERSIBLE)

**Precondition**: Identified failed events

- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`

**Execution**:
```typescript
import { replayFailedWebhooks, type ReplayOptions } from '@/node-keys/stripe-webhook-replay/src';

const result = await replayFailedWebhooks({ dryRun: true });
```

**Safety**: REVERSIBLE - events are idempotent
"#;

/// `ACTION` with the cursor before the `nth` occurrence of `needle`, shifted right by `into` bytes.
fn action_at(needle: &str, nth: usize, into: usize) -> String {
    let (at, _) = ACTION.match_indices(needle).nth(nth).expect("the needle is in ACTION");
    let at = at + into;
    with_keys(&format!("{}$0{}", &ACTION[..at], &ACTION[at..]))
}

fn render_hover(fixture: &str, with_index: bool) -> String {
    let fixture = Fixture::parse(fixture);
    let main = fixture.main_file();
    let parse = Parse::new(&fixture.files[main].text);
    let (_fs, catalog) = catalog(&fixture);
    let catalog = with_index.then_some(&catalog);
    match hover(&parse, fixture.cursor_offset(), catalog, &IdeConfig::default()) {
        Some(result) => {
            format!("{:?} {:?}\n{}\n", result.range, &parse.text()[result.range.as_range()], result.markdown)
        }
        None => "null\n".to_string(),
    }
}

#[track_caller]
fn check(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_hover(fixture, true));
}

#[track_caller]
fn check_without_index(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_hover(fixture, false));
}

#[test]
fn key_slug_with_side_effects_and_both_safety_classes() {
    check(
        &action_at("node-stripe", 0, 5),
        expect![[r#"
        113..139 "node-stripe-webhook-replay"
        **Stripe Webhook Replay** · `node-stripe-webhook-replay`

        Replays failed Stripe webhook events.

        **Family**: `node` · **Runtime**: `node`

        **Safety**: the KEY declares **REVERSIBLE** (key.json); Action 2 is **REVERSIBLE**

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
fn import_specifier() {
    check(
        &action_at("@/node-keys", 0, 3),
        expect![[r#"
        293..330 "@/node-keys/stripe-webhook-replay/src"
        **Stripe Webhook Replay** · `node-stripe-webhook-replay`

        Replays failed Stripe webhook events.

        **Family**: `node` · **Runtime**: `node`

        **Safety**: the KEY declares **REVERSIBLE** (key.json); Action 2 is **REVERSIBLE**

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
fn location_path() {
    check(
        &action_at("/node-keys/stripe", 0, 12),
        expect![[r#"
        158..203 "/node-keys/stripe-webhook-replay/src/index.ts"
        **Stripe Webhook Replay** · `node-stripe-webhook-replay`

        Replays failed Stripe webhook events.

        **Family**: `node` · **Runtime**: `node`

        **Safety**: the KEY declares **REVERSIBLE** (key.json); Action 2 is **REVERSIBLE**

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
fn imported_name() {
    check(
        &action_at("replayFailedWebhooks", 0, 0),
        expect![[r#"
        244..264 "replayFailedWebhooks"
        ```typescript
        export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>
        ```

        Replays every failed webhook event since `startTime`.

        - *@param* `options` — Which events to replay

        **Safety**: `replayFailedWebhooks` is REVERSIBLE - events are idempotent; the KEY declares **REVERSIBLE** (key.json); Action 2 is **REVERSIBLE**

        **Side effects** of `node-stripe-webhook-replay`:
        - Replays webhook events from Stripe
        - Updates the database with event data
        - Writes replayed events to the `webhook_events` table (`@sideEffect` of `replayFailedWebhooks`)

        From KEY `node-stripe-webhook-replay` (Stripe Webhook Replay) · defined in `/node-keys/stripe-webhook-replay/src/handlers/replay.ts:9`
    "#]],
    );
}

#[test]
fn imported_type() {
    check(
        &action_at("ReplayOptions", 0, 6),
        expect![[r#"
        271..284 "ReplayOptions"
        ```typescript
        export interface ReplayOptions
        ```

        A type exported by KEY `node-stripe-webhook-replay`.

        From KEY `node-stripe-webhook-replay` (Stripe Webhook Replay) · defined in `/node-keys/stripe-webhook-replay/src/types.ts:1`
    "#]],
    );
}

#[test]
fn call_of_an_imported_name() {
    // The cursor right after the name still hovers it.
    check(
        &action_at("replayFailedWebhooks(", 0, "replayFailedWebhooks".len()),
        expect![[r#"
        355..375 "replayFailedWebhooks"
        ```typescript
        export async function replayFailedWebhooks(options: ReplayOptions): Promise<ReplayResult>
        ```

        Replays every failed webhook event since `startTime`.

        - *@param* `options` — Which events to replay

        **Safety**: `replayFailedWebhooks` is REVERSIBLE - events are idempotent; the KEY declares **REVERSIBLE** (key.json); Action 2 is **REVERSIBLE**

        **Side effects** of `node-stripe-webhook-replay`:
        - Replays webhook events from Stripe
        - Updates the database with event data
        - Writes replayed events to the `webhook_events` table (`@sideEffect` of `replayFailedWebhooks`)

        From KEY `node-stripe-webhook-replay` (Stripe Webhook Replay) · defined in `/node-keys/stripe-webhook-replay/src/handlers/replay.ts:9`
    "#]],
    );
}

#[test]
fn safety_word_in_a_heading() {
    check(
        &action_at("REVERSIBLE)", 0, 2),
        expect![[r#"
        44..54 "REVERSIBLE"
        **REVERSIBLE** (safety class)

        - Has side effects
        - Can be undone
        - Rollback procedure exists

        **Example**: Configuration updates, service restarts, data updates

        An Action's class is the stricter of its heading's and its **Safety** field's (SAFE < REVERSIBLE < IRREVERSIBLE).
    "#]],
    );
}

#[test]
fn safety_word_in_a_safety_field_without_the_index() {
    check_without_index(
        &action_at("REVERSIBLE - events", 0, 0),
        expect![[r#"
        412..422 "REVERSIBLE"
        **REVERSIBLE** (safety class)

        - Has side effects
        - Can be undone
        - Rollback procedure exists

        **Example**: Configuration updates, service restarts, data updates

        An Action's class is the stricter of its heading's and its **Safety** field's (SAFE < REVERSIBLE < IRREVERSIBLE).
    "#]],
    );
}

#[test]
fn misspelt_safety_word() {
    check_without_index(
        "### Action 1: Rotate (REVERSABLE$0)\n",
        expect![[r#"
        22..32 "REVERSABLE"
        `REVERSABLE` is not a safety class: did you mean **REVERSIBLE**?

        **REVERSIBLE** (safety class)

        - Has side effects
        - Can be undone
        - Rollback procedure exists

        **Example**: Configuration updates, service restarts, data updates

        An Action's class is the stricter of its heading's and its **Safety** field's (SAFE < REVERSIBLE < IRREVERSIBLE).
    "#]],
    );
}

#[test]
fn nothing_elsewhere() {
    check(&action_at("Identified", 0, 3), expect!["null\n"]);
    check(&action_at("const result", 0, 2), expect!["null\n"]);
    check(&action_at("**Execution", 0, 4), expect!["null\n"]);
    check_without_index(&action_at("node-stripe", 0, 5), expect!["null\n"]);
    check(&with_keys("See `node-does-not-exist$0`.\n"), expect!["null\n"]);
    check(&with_keys("The `node-keys$0` folder.\n"), expect!["null\n"]);
    check(
        &with_keys("```ts\nimport { nope$0 } from '@/node-keys/stripe-webhook-replay/src';\n```\n"),
        expect!["null\n"],
    );
}

#[test]
fn key_without_a_manifest_in_an_unclassified_action() {
    check(
        "//- /runbooks/runbook.md\n### Action 1: Bare\n\nRun `node-bare$0-key`.\n//- /node-keys/bare-key/src/index.ts\nexport function go(): void {}\n",
        expect![[r#"
            25..38 "node-bare-key"
            **`node-bare-key`**

            **Family**: `node`

            **Safety**: Action 1 states no safety class

            **Side effects**: none declared

            **Exports**: `go`

            **Defined in**: entry `/node-keys/bare-key/src/index.ts`
        "#]],
    );
}

#[test]
fn untrusted_manifest_and_jsdoc_text_is_escaped() {
    let fixture = r#"//- /runbooks/runbook.md
```ts
import { evil } from '@/node-keys/evil/src';
await evil$0();
```
Use `node-evil`.
//- /node-keys/evil/key.json
{ "slug": "evil", "title": "[Click me](command:workbench.action.terminal.new)", "description": "<img src=x onerror=alert(1)>\n# Heading\n- list", "tool": "node", "side_effects": ["![x](https://evil.example/p.png)", "`code` | table | ~~strike~~"], "required_env": ["A`B"] }
//- /node-keys/evil/src/index.ts
/**
 * Run [this](command:rm) <script>alert(1)</script>
 * @sideEffect ```` fence breaker
 * @safety IRREVERSIBLE - <b>really</b>
 */
export function evil(a: string /* ``` */): void {}
"#;
    check(
        fixture,
        expect![[r#"
        57..61 "evil"
        ```typescript
        export function evil(a: string ): void
        ```

        Run \[this](command:rm) \<script>alert(1)\</script>

        **Safety**: `evil` is IRREVERSIBLE - \<b>really\</b>; the KEY declares **IRREVERSIBLE** (`@safety` of `evil`)

        **Side effects** of `node-evil`:
        - !\[x](https\://evil.example/p.png)
        - `code` | table | \~\~strike\~\~
        - \`\`\`\` fence breaker (`@sideEffect` of `evil`)

        From KEY `node-evil` (\[Click me](command:workbench.action.terminal.new)) · defined in `/node-keys/evil/src/index.ts:6`
    "#]],
    );
    let key_hover = fixture.replace("evil$0()", "evil()").replace("`node-evil`", "`node-e$0vil`");
    check(
        &key_hover,
        expect![[r#"
        74..83 "node-evil"
        **\[Click me](command:workbench.action.terminal.new)** · `node-evil`

        \<img src=x onerror=alert(1)>
        \# Heading
        \- list

        **Family**: `node`

        **Safety**: the KEY declares **IRREVERSIBLE** (`@safety` of `evil`)

        **Side effects**:
        - !\[x](https\://evil.example/p.png)
        - `code` | table | \~\~strike\~\~
        - \`\`\`\` fence breaker (`@sideEffect` of `evil`)

        **Required env**: ``A`B``

        **Exports**: `evil`

        **Defined in**: `/node-keys/evil/key.json`, entry `/node-keys/evil/src/index.ts`
    "#]],
    );
}

/// The demo's secret rotation KEY: the manifest and the JSDoc both say the
/// service restarts, in slightly different words.
const SECRET_ROTATION: &str = r#"//- /runbooks/runbook.md
Use `node-webhook-secret-update`.

```ts
import { updateWebhookSecret, verifySecret } from '@/node-keys/webhook-secret-update/src';
await updateWebhookSecret({ newSecret: 'x' });
```
//- /node-keys/webhook-secret-update/key.json
{ "slug": "webhook-secret-update", "title": "Webhook Secret Update", "description": "Rotates the Stripe webhook signing secret and restarts the service.", "tool": "node", "safety": "REVERSIBLE", "side_effects": ["Updates the STRIPE_WEBHOOK_SECRET environment variable", "Restarts the application service"] }
//- /node-keys/webhook-secret-update/src/index.ts
/**
 * Replaces the webhook signing secret.
 * @sideEffect Restarts the application service.
 * @sideEffect Writes to the `webhook_events` table
 */
export async function updateWebhookSecret(params: { newSecret: string }): Promise<void> {}
/**
 * Checks the secret against Stripe.
 * @sideEffect  restarts the application   SERVICE
 * @sideEffect Writes to the `webhook_events` table.
 */
export async function verifySecret(): Promise<void> {}
"#;

#[test]
fn side_effects_stated_twice_are_listed_once_naming_both_sources() {
    check(
        &SECRET_ROTATION.replace("`node-webhook", "`node-$0webhook"),
        expect![[r#"
            5..31 "node-webhook-secret-update"
            **Webhook Secret Update** · `node-webhook-secret-update`

            Rotates the Stripe webhook signing secret and restarts the service.

            **Family**: `node`

            **Safety**: the KEY declares **REVERSIBLE** (key.json)

            **Side effects**:
            - Updates the STRIPE_WEBHOOK_SECRET environment variable
            - Restarts the application service (key.json and `@sideEffect` of `updateWebhookSecret`, `verifySecret`)
            - Writes to the `webhook_events` table (`@sideEffect` of `updateWebhookSecret`, `verifySecret`)

            **Exports**: `updateWebhookSecret`, `verifySecret`

            **Defined in**: `/node-keys/webhook-secret-update/key.json`, entry `/node-keys/webhook-secret-update/src/index.ts`
        "#]],
    );
    check(
        &SECRET_ROTATION.replace("await updateWebhookSecret", "await $0updateWebhookSecret"),
        expect![[r#"
            138..157 "updateWebhookSecret"
            ```typescript
            export async function updateWebhookSecret(params: { newSecret: string }): Promise<void>
            ```

            Replaces the webhook signing secret.

            **Safety**: the KEY declares **REVERSIBLE** (key.json)

            **Side effects** of `node-webhook-secret-update`:
            - Updates the STRIPE_WEBHOOK_SECRET environment variable
            - Restarts the application service (key.json and `@sideEffect` of `updateWebhookSecret`)
            - Writes to the `webhook_events` table (`@sideEffect` of `updateWebhookSecret`)

            From KEY `node-webhook-secret-update` (Webhook Secret Update) · defined in `/node-keys/webhook-secret-update/src/index.ts:6`
        "#]],
    );
}

/// Issue 14 (SPEC 1): a Next-flavoured KEY kept in `node-keys/` answers to
/// `node-…` (canonical) and to `next-…` (alias); hover says which is which.
const AUDIT_KEY: &str = r#"//- /node-keys/audit-log-capture/key.json
{ "slug": "audit-log-capture", "title": "Audit Log Capture", "tool": "next", "safety": "SAFE" }
//- /node-keys/audit-log-capture/src/index.ts
export function captureAuditLog() {}
"#;

#[test]
fn canonical_slug_and_alias() {
    check(
        &format!("//- /runbooks/runbook.md\n- **KEY**: `node-audit$0-log-capture`\n{AUDIT_KEY}"),
        expect![[r#"
            12..34 "node-audit-log-capture"
            **Audit Log Capture** · `node-audit-log-capture`

            **Family**: `node` · **Slug**: `node-audit-log-capture` (canonical), `next-audit-log-capture` (alias, from `tool`)

            **Safety**: the KEY declares **SAFE** (key.json)

            **Side effects**: none declared

            **Exports**: `captureAuditLog`

            **Defined in**: `/node-keys/audit-log-capture/key.json`, entry `/node-keys/audit-log-capture/src/index.ts`
        "#]],
    );
    check(
        &format!("//- /runbooks/runbook.md\n- **KEY**: `next-audit$0-log-capture`\n{AUDIT_KEY}"),
        expect![[r#"
            12..34 "next-audit-log-capture"
            `next-audit-log-capture` is an alias of `node-audit-log-capture`: it names the same KEY

            **Audit Log Capture** · `node-audit-log-capture`

            **Family**: `node` · **Slug**: `node-audit-log-capture` (canonical), `next-audit-log-capture` (alias, from `tool`)

            **Safety**: the KEY declares **SAFE** (key.json)

            **Side effects**: none declared

            **Exports**: `captureAuditLog`

            **Defined in**: `/node-keys/audit-log-capture/key.json`, entry `/node-keys/audit-log-capture/src/index.ts`
        "#]],
    );
}

/// A manifest and JSDoc of any size give a hover of bounded size, cut with a
/// visible "…" (a 100 MB key.json made a 106 MB hover).
#[test]
fn huge_manifests_and_jsdoc_give_bounded_hovers() {
    let long = "word ".repeat(40_000);
    let many: Vec<String> = (0..5_000).map(|i| format!("Side effect number {i}")).collect();
    let manifest = serde_json::json!({
        "slug": "huge", "title": long, "description": long, "tool": "node",
        "side_effects": many, "required_env": many, "preconditions": many, "rollback": long,
    });
    let exports: String = (0..2).map(|i| format!("export function f{i}(): void {{}}\n")).collect();
    let jsdoc = format!(
        "/**\n * {long}\n{} */\nexport async function run(options: {{ a: string }}): Promise<void> {{}}\n",
        many.iter().map(|effect| format!(" * @sideEffect {effect} again\n")).collect::<String>()
    );
    let fixture = format!(
        "//- /runbooks/runbook.md\n- **KEY**: `node-hu$0ge`\n\n```ts\nimport {{ run }} from '@/node-keys/huge/src';\nawait run({{}});\n```\n//- /node-keys/huge/key.json\n{manifest}\n//- /node-keys/huge/src/index.ts\n{jsdoc}{exports}"
    );
    let key_hover = render_hover(&fixture, true);
    let call = fixture.find("{ run }").unwrap() + "{ r".len();
    let export_fixture = format!("{}$0{}", &fixture[..call], &fixture[call..]).replacen("$0", "", 1);
    let export_hover = render_hover(&export_fixture, true);
    for hover in [&key_hover, &export_hover] {
        assert!(hover.len() < 64_000, "a hover of {} bytes", hover.len());
        assert!(hover.contains('…'), "{hover}");
    }
    assert!(key_hover.contains("and 4970 more"), "{key_hover}");
    assert!(export_hover.contains("more"), "{export_hover}");
}
