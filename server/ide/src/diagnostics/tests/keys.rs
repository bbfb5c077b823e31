//! The rules backed by the KEY index, on in-memory workspaces.

use expect_test::expect;

use super::{check, check_without_index};

pub(super) const KEYS: &str = r#"
//- /node-keys/stripe-webhook-replay/key.json
{ "slug": "stripe-webhook-replay", "title": "Replay", "tool": "node", "safety": "REVERSIBLE", "side_effects": ["Replays events"] }
//- /node-keys/stripe-webhook-replay/src/index.ts
export { replayFailedWebhooks, purgeWebhooks } from './handlers/replay';
export type { ReplayOptions } from './types';
//- /node-keys/stripe-webhook-replay/src/types.ts
export interface ReplayOptions { dryRun?: boolean }
//- /node-keys/stripe-webhook-replay/src/handlers/replay.ts
/**
 * Replays.
 * @safety REVERSIBLE
 */
export async function replayFailedWebhooks(options: ReplayOptions): Promise<void> {}
/**
 * Deletes replayed events.
 * @safety IRREVERSIBLE - they are gone
 */
export async function purgeWebhooks(): Promise<void> {}
//- /node-keys/webhook-monitoring/key.json
{ "slug": "webhook-monitoring", "tool": "node", "safety": "SAFE" }
//- /node-keys/webhook-monitoring/src/index.ts
export const checkWebhookHealth = async () => ({ ok: true });
//- /node-keys/empty-key/README.md
No code yet.
"#;

fn with_keys(runbook: &str) -> String {
    format!("//- /runbooks/runbook.md\n{runbook}{KEYS}")
}

#[test]
fn unknown_keys_with_candidates() {
    check(
        &with_keys(
            "See `node-stripe-webhok-replay`, `node-nothing-like-it`, `node-webhook-monitoring`, `node-keys`, `jupyter-eda` and `next-thing`.\n",
        ),
        expect![[r#"
            error unknown-key 1:6-1:31 "node-stripe-webhok-replay": no KEY is named `node-stripe-webhok-replay`: did you mean `node-stripe-webhook-replay`?
              fix Change to `node-stripe-webhook-replay` (preferred, unattended)
            error unknown-key 1:35-1:55 "node-nothing-like-it": no KEY is named `node-nothing-like-it`
        "#]],
    );
}

#[test]
fn imports_and_exports() {
    check(
        &with_keys(
            r#"```ts
import { replayFailedWebhook, ReplayOption, type ReplayOptions } from '@/node-keys/stripe-webhook-replay/src';
import { checkWebhookHealth } from '@/node-keys/webhook-monitor/src';
import { anything } from '@/node-keys/stripe-webhook-replay/src/handlers/replay';
import { nope } from '@/node-keys/stripe-webhook-replay/src/missing';
import { x } from '@/node-keys/empty-key/src';
import { y } from 'stripe';
import { purgeWebhooks } from '@/node-keys/stripe-webhook-replay/src/index.ts';
```
"#,
        ),
        expect![[r#"
            error unknown-export 2:10-2:29 "replayFailedWebhook": KEY `node-stripe-webhook-replay` does not export `replayFailedWebhook`: did you mean `replayFailedWebhooks`?
              related /ws/node-keys/stripe-webhook-replay/src/index.ts:1:1: the exports of `node-stripe-webhook-replay` start here
              fix Change to `replayFailedWebhooks` (preferred, unattended)
            error unknown-export 2:31-2:43 "ReplayOption": KEY `node-stripe-webhook-replay` does not export `ReplayOption`: did you mean `ReplayOptions`?
              related /ws/node-keys/stripe-webhook-replay/src/index.ts:1:1: the exports of `node-stripe-webhook-replay` start here
              fix Change to `ReplayOptions` (preferred, unattended)
            error unresolved-import 3:37-3:68 "@/node-keys/webhook-monitor/src": no KEY folder `webhook-monitor` in node-keys/: did you mean `@/node-keys/webhook-monitoring/src`?
              fix Change to `@/node-keys/webhook-monitoring/src` (preferred, unattended)
            error unresolved-import 5:23-5:68 "@/node-keys/stripe-webhook-replay/src/missing": `@/node-keys/stripe-webhook-replay/src/missing` is not a file of KEY `node-stripe-webhook-replay`: import its entry `@/node-keys/stripe-webhook-replay/src`
              fix Change to `@/node-keys/stripe-webhook-replay/src` (preferred, unattended)
            error unresolved-import 6:20-6:45 "@/node-keys/empty-key/src": KEY `node-empty-key` has no entry (src/index.ts): nothing can be imported from it
        "#]],
    );
}

#[test]
fn locations() {
    check(
        &with_keys(
            r#"### Action 1: Replay (REVERSIBLE)

**Precondition**: failed events
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
- **Side Effects**: replays
**Rollback**: none needed

### Action 2: Replay again (REVERSIBLE)

**Precondition**: failed events
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/handlers/replay.ts`
- **Side Effects**: replays
**Rollback**: none needed

### Action 3: Replay once more (REVERSIBLE)

**Precondition**: failed events
- **KEY**: `node-stripe-webhook-replay`
- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`
- **Side Effects**: replays
**Rollback**: none needed

## Notes

**Location**: `/runbooks/runbook.md` and **Location**: nowhere
"#,
        ),
        expect![[r#"
            warning location-mismatch 13:18-13:73 "/node-keys/stripe-webhook-replay/src/handlers/replay.ts": `/node-keys/stripe-webhook-replay/src/handlers/replay.ts` is not the entry of the Action's KEY `node-stripe-webhook-replay`, which is `/node-keys/stripe-webhook-replay/src/index.ts`
              related 12:13-12:39 "node-stripe-webhook-replay": the Action's KEY is `node-stripe-webhook-replay`
              fix Change to `/node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`) (preferred, unattended)
            warning location-mismatch 21:18-21:62 "/node-keys/stripe-webhook-replay/src/main.ts": `/node-keys/stripe-webhook-replay/src/main.ts` does not exist in the workspace: the entry of the Action's KEY is `/node-keys/stripe-webhook-replay/src/index.ts`
              fix Change to `/node-keys/stripe-webhook-replay/src/index.ts` (the entry of `node-stripe-webhook-replay`) (preferred, unattended)
        "#]],
    );
}

#[test]
fn key_and_import_name_different_keys() {
    check(
        &with_keys(
            r#"### Action 1: Check (SAFE)

**Precondition**: none
- **KEY**: `node-webhook-monitoring`
- **Side Effects**: none

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
**Manual Alternative**: curl
"#,
        ),
        expect![[r#"
            warning safety-mismatch 1:22-1:26 "SAFE": KEY `node-stripe-webhook-replay` declares itself REVERSIBLE (key.json of `node-stripe-webhook-replay`) but Action 1 is classified SAFE: classify the Action REVERSIBLE
              related /ws/node-keys/stripe-webhook-replay/key.json:1:81: `node-stripe-webhook-replay` is declared REVERSIBLE here
              fix Classify Action 1 as REVERSIBLE (declared by `node-stripe-webhook-replay`) (preferred, unattended)
            warning key-import-mismatch 9:39-9:76 "@/node-keys/stripe-webhook-replay/src": Action 1 names KEY `node-webhook-monitoring` but imports from KEY `node-stripe-webhook-replay`: make them the same KEY
              related 4:13-4:36 "node-webhook-monitoring": the KEY field names `node-webhook-monitoring`
              fix Use the KEY of the import: `node-stripe-webhook-replay`
        "#]],
    );
}

#[test]
fn keys_that_declare_a_stricter_class() {
    check(
        &with_keys(
            r#"### Action 1: Purge (REVERSIBLE)

**Precondition**: replayed
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: deletes events
**Rollback**: none

**Execution**:
```ts
import { purgeWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
**Manual Alternative**: SQL

### Action 2: Replay (IRREVERSIBLE)

**Precondition**: replayed
**Warning**: cannot be undone
- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

**Execution**:
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
**Manual Alternative**: SQL
"#,
        ),
        expect![[r#"
            warning safety-mismatch 1:22-1:32 "REVERSIBLE": KEY `node-stripe-webhook-replay` declares itself IRREVERSIBLE (@safety of `purgeWebhooks`) but Action 1 is classified REVERSIBLE: classify the Action IRREVERSIBLE
              related /ws/node-keys/stripe-webhook-replay/src/handlers/replay.ts:10:23: `node-stripe-webhook-replay` is declared IRREVERSIBLE here
              fix Classify Action 1 as IRREVERSIBLE (declared by `node-stripe-webhook-replay`) (preferred, unattended)
        "#]],
    );
}

#[test]
fn without_the_index_only_index_free_rules_run() {
    check_without_index(
        &with_keys(
            "### Action 1: Go (SAFE)\n\n**Precondition**: ok\n\nSee `node-stripe-webhok-replay`.\n\n```ts\nimport { nope } from '@/node-keys/missing/src';\n```\n",
        ),
        expect![[r#"
            warning missing-side-effects 1:5-1:24 "Action 1: Go (SAFE)": Action 1 runs a KEY but has no **Side Effects** field: say what the KEY changes
              fix Insert a **Side Effects** field (preferred)
            info missing-manual-alternative 1:5-1:24 "Action 1: Go (SAFE)": Action 1 executes a KEY but has no **Manual Alternative** for when the automation fails
              fix Insert a **Manual Alternative** field (preferred)
        "#]],
    );
}

/// An ordinary document of a repository that also holds KEYs: the README of
/// its docs site. Its `Location` fields are regions, routes, templates and
/// folders, and only a path under a key root is checked (SPEC 5).
const DOCS_SITE_README: &str = r#"# Docs site

Static documentation for the product, built with Next.js and served from two regions.

## Hosting

- **Location**: US/EU
- **Provider**: Vercel
- **Location**: Global (CDN edge)

## Listing

**Location**: Marketplace

## Pages

### Privacy policy

**Location**: `/privacy`

### Terms of service

**Location**: /terms

## Adding a KEY

1. Copy a KEY folder and rename it.
2. **Location**: `node-keys/<slug>/key.json`
3. **Location**: keys/<slug>/README.md, written from the KEY's own values.

## Layout

- **Location**: `docs/guides/` holds the guides
- **Location**: docs/guides
- **Location**: `/node-keys/stripe-webhook-replay/`
- **Location**: node-keys/stripe-webhook-replay/src
- **Location**: `/node-keys/stripe-webhook-replay/src/handlers`
- **Location**: `/node-keys/stripe-webhook-replay/src/index.ts`
- **Location**: `/node-keys/stripe-webhook-replay/src/main.ts`
- **Location**: `/node-keys/webhook-replay/`
"#;

#[test]
fn locations_in_ordinary_documents() {
    check(
        &format!("//- /docs/README.md\n{DOCS_SITE_README}//- /docs/guides/setup.md\n# Setup\n{KEYS}"),
        expect![[r#"
            warning location-mismatch 39:18-39:62 "/node-keys/stripe-webhook-replay/src/main.ts": `/node-keys/stripe-webhook-replay/src/main.ts` does not exist in the workspace
            warning location-mismatch 40:18-40:44 "/node-keys/webhook-replay/": `/node-keys/webhook-replay/` does not exist in the workspace
        "#]],
    );
}

#[test]
fn locations_of_folders_in_an_action_that_uses_a_key() {
    // The Action mentions its KEY but has no KEY field: nothing says which
    // entry its Locations should be, so they only need to exist, folders too.
    check(
        &with_keys(
            r#"### Action 1: Inspect the replay handlers (SAFE)

**Precondition**: none
**Action**: read what `node-stripe-webhook-replay` would do
**Side Effects**: none, reading only
- **Location**: `node-keys/stripe-webhook-replay/src/handlers/`
- **Location**: runbooks
- **Location**: `runbooks/`
- **Location**: `/runbooks/gone/`
"#,
        ),
        expect![[r#"
            warning location-mismatch 9:18-9:33 "/runbooks/gone/": `/runbooks/gone/` does not exist in the workspace
        "#]],
    );
}
