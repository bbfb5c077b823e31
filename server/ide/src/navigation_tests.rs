//! Navigation as data: one `check_*` per feature over fixtures with a `$0`
//! cursor; the file holding the cursor is open in the editor, the others are
//! on disk. Results are quoted with their text (refresh with `UPDATE_EXPECT=1`).

use std::fmt::Write;
use std::path::PathBuf;

use expect_test::{Expect, expect};
use runbook_syntax::fixture::Fixture;

use crate::hover::tests::KEYS;
use crate::test_utils::{WORKSPACE_ROOT, analysis_host, quote, quote_file_range};

/// The demo KEYs, a runbook with the cursor, and `others` (more files).
fn workspace(runbook: &str, others: &str) -> String {
    format!("//- /runbooks/main.md\n{runbook}{others}{KEYS}")
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
"#;

/// `ACTION` with the cursor before the `nth` occurrence of `needle`, shifted right by `into` bytes.
fn action_at(needle: &str, nth: usize, into: usize) -> String {
    let (at, _) = ACTION.match_indices(needle).nth(nth).expect("the needle is in ACTION");
    let at = at + into;
    format!("{}$0{}", &ACTION[..at], &ACTION[at..])
}

const OTHER_RUNBOOK: &str = r#"//- /runbook-keys/stripe/README.md
# Stripe

Use `node-stripe-webhook-replay` after `node-webhook-monitoring`.

```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src/index';
await replayFailedWebhooks({});
```
//- /runbook-keys/stripe/pack.json
{ "references_node_keys": ["node-stripe-webhook-replay", "node-webhook-monitoring"] }
"#;

#[track_caller]
fn check_definition(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let (host, path, offset) = analysis_host(&fixture);
    let analysis = host.analysis();
    let mut out = String::new();
    if let Some((origin, targets)) = analysis.goto_definition(&path, offset) {
        let text = &fixture.files[fixture.main_file()].text;
        writeln!(out, "from {}", quote(text, origin)).unwrap();
        for target in targets {
            writeln!(out, "to {}", quote_file_range(&analysis, &target.path, target.focus_range)).unwrap();
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn definition_of_a_key_slug_is_its_manifest_slug() {
    check_definition(
        &workspace(&action_at("`node-stripe", 0, 3), ""),
        expect![[r#"
            from 5:13-5:39 "node-stripe-webhook-replay"
            to /node-keys/stripe-webhook-replay/key.json:1:12-1:33 "stripe-webhook-replay"
        "#]],
    );
}

#[test]
fn definition_of_a_key_without_manifest_is_its_entry() {
    check_definition(
        r#"//- /runbooks/main.md
Run `node-bare$0-key`.
//- /node-keys/bare-key/src/index.ts
export function go(): void {}
"#,
        expect![[r#"
            from 1:6-1:19 "node-bare-key"
            to /node-keys/bare-key/src/index.ts:1:1-1:1 ""
        "#]],
    );
}

#[test]
fn definition_of_a_specifier_is_the_module() {
    check_definition(
        &workspace(&action_at("'@/node-keys", 0, 5), ""),
        expect![[r#"
            from 10:59-10:96 "@/node-keys/stripe-webhook-replay/src"
            to /node-keys/stripe-webhook-replay/src/index.ts:1:1-1:1 ""
        "#]],
    );
}

#[test]
fn definition_of_an_imported_name_and_a_call_follow_re_exports() {
    check_definition(
        &workspace(&action_at("replayFailedWebhooks", 0, 6), ""),
        expect![[r#"
            from 10:10-10:30 "replayFailedWebhooks"
            to /node-keys/stripe-webhook-replay/src/handlers/replay.ts:9:23-9:43 "replayFailedWebhooks"
        "#]],
    );
    check_definition(
        &workspace(&action_at("replayFailedWebhooks", 1, 2), ""),
        expect![[r#"
            from 12:22-12:42 "replayFailedWebhooks"
            to /node-keys/stripe-webhook-replay/src/handlers/replay.ts:9:23-9:43 "replayFailedWebhooks"
        "#]],
    );
}

#[test]
fn definition_of_a_location_is_the_file_when_it_exists() {
    check_definition(
        &workspace(&action_at("/src/index.ts`", 0, 3), ""),
        expect![[r#"
            from 6:18-6:63 "/node-keys/stripe-webhook-replay/src/index.ts"
            to /node-keys/stripe-webhook-replay/src/index.ts:1:1-1:1 ""
        "#]],
    );
    check_definition("//- /runbooks/main.md\n**Location**: `/node-keys/nowhere/src/index$0.ts`\n", expect![[r#""#]]);
}

#[track_caller]
fn check_references(fixture: &str, include_declaration: bool, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let (host, path, offset) = analysis_host(&fixture);
    let analysis = host.analysis();
    let mut out = String::new();
    for reference in analysis.references(&path, offset, include_declaration).unwrap_or_default() {
        let place = quote_file_range(&analysis, &reference.path, reference.range);
        writeln!(out, "{place} {:?}", reference.kind).unwrap();
    }
    expect.assert_eq(&out);
}

/// SPEC 1: a KEY answers to its alias (from its manifest's `tool`) too,
/// unless another KEY has that slug as its own.
#[test]
fn references_through_aliases() {
    let fixture = r#"//- /runbooks/main.md
Use `node-audit$0-log` and `next-audit-log`, not `next-cron` (the KEY `node-cron` is its alias's owner's).
Also `node-cron`, `next-cron` and `@/node-keys/cron/src`.
//- /runbook-keys/audit/pack.json
{ "references_node_keys": ["next-audit-log", "node-cron"] }
//- /node-keys/audit-log/key.json
{ "slug": "audit-log", "tool": "next" }
//- /node-keys/audit-log/src/index.ts
export const x = 1;
//- /node-keys/cron/key.json
{ "slug": "cron", "tool": "next" }
//- /node-keys/cron/src/index.ts
export const y = 1;
//- /next-keys/cron/key.json
{ "slug": "cron" }
//- /next-keys/cron/src/index.ts
export const z = 1;
"#;
    check_references(
        fixture,
        false,
        expect![[r#"
            /runbook-keys/audit/pack.json:1:29-1:43 "next-audit-log" PackEntry
            /runbooks/main.md:1:6-1:20 "node-audit-log" KeySlug
            /runbooks/main.md:1:27-1:41 "next-audit-log" KeySlug
        "#]],
    );
    let cron = fixture.replace("node-audit$0-log", "node-audit-log").replace("Also `node-cron`", "Also `node-c$0ron`");
    check_references(
        &cron,
        false,
        expect![[r#"
        /runbook-keys/audit/pack.json:1:47-1:56 "node-cron" PackEntry
        /runbooks/main.md:1:70-1:79 "node-cron" KeySlug
        /runbooks/main.md:2:7-2:16 "node-cron" KeySlug
    "#]],
    );
}

#[test]
fn references_of_a_key_across_runbooks_and_packs() {
    let fixture = workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK);
    check_references(
        &fixture,
        true,
        expect![[r#"
            /node-keys/stripe-webhook-replay/key.json:1:12-1:33 "stripe-webhook-replay" Declaration
            /runbook-keys/stripe/README.md:3:6-3:32 "node-stripe-webhook-replay" KeySlug
            /runbook-keys/stripe/README.md:6:39-6:82 "@/node-keys/stripe-webhook-replay/src/index" ImportSpecifier
            /runbook-keys/stripe/pack.json:1:29-1:55 "node-stripe-webhook-replay" PackEntry
            /runbooks/main.md:5:13-5:39 "node-stripe-webhook-replay" KeySlug
            /runbooks/main.md:6:18-6:63 "/node-keys/stripe-webhook-replay/src/index.ts" Location
            /runbooks/main.md:10:59-10:96 "@/node-keys/stripe-webhook-replay/src" ImportSpecifier
        "#]],
    );
    // From a Location and a specifier: the same KEY, without its declaration.
    let from_location = workspace(&action_at("/src/index.ts`", 0, 3), OTHER_RUNBOOK);
    let from_specifier = workspace(&action_at("'@/node-keys", 0, 5), OTHER_RUNBOOK);
    for fixture in [from_location, from_specifier] {
        check_references(
            &fixture,
            false,
            expect![[r#"
                /runbook-keys/stripe/README.md:3:6-3:32 "node-stripe-webhook-replay" KeySlug
                /runbook-keys/stripe/README.md:6:39-6:82 "@/node-keys/stripe-webhook-replay/src/index" ImportSpecifier
                /runbook-keys/stripe/pack.json:1:29-1:55 "node-stripe-webhook-replay" PackEntry
                /runbooks/main.md:5:13-5:39 "node-stripe-webhook-replay" KeySlug
                /runbooks/main.md:6:18-6:63 "/node-keys/stripe-webhook-replay/src/index.ts" Location
                /runbooks/main.md:10:59-10:96 "@/node-keys/stripe-webhook-replay/src" ImportSpecifier
            "#]],
        );
    }
}

#[test]
fn references_of_an_export_are_its_imports_and_calls() {
    check_references(
        &workspace(&action_at("replayFailedWebhooks", 1, 2), OTHER_RUNBOOK),
        true,
        expect![[r#"
            /node-keys/stripe-webhook-replay/src/handlers/replay.ts:9:23-9:43 "replayFailedWebhooks" Declaration
            /runbook-keys/stripe/README.md:6:10-6:30 "replayFailedWebhooks" ImportedName
            /runbook-keys/stripe/README.md:7:7-7:27 "replayFailedWebhooks" Call
            /runbooks/main.md:10:10-10:30 "replayFailedWebhooks" ImportedName
            /runbooks/main.md:12:22-12:42 "replayFailedWebhooks" Call
        "#]],
    );
}

#[test]
fn references_read_open_documents_from_the_editor_text() {
    let fixture = Fixture::parse(&workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK));
    let (mut host, path, offset) = analysis_host(&fixture);
    // The other runbook is open with unsaved changes: one reference more,
    // after a CRLF line and some non-ASCII text.
    let other = PathBuf::from(format!("{WORKSPACE_ROOT}/runbook-keys/stripe/README.md"));
    host.open_document(
        other.clone(),
        "# Stripe ✨\r\n\r\nUse `node-stripe-webhook-replay` — twice: `node-stripe-webhook-replay`.\r\n",
    );
    let analysis = host.analysis();
    let mut out = String::new();
    for reference in analysis.references(&path, offset, false).unwrap() {
        writeln!(out, "{} {:?}", quote_file_range(&analysis, &reference.path, reference.range), reference.kind)
            .unwrap();
    }
    expect![[r#"
        /runbook-keys/stripe/README.md:3:6-3:32 "node-stripe-webhook-replay" KeySlug
        /runbook-keys/stripe/README.md:3:44-3:70 "node-stripe-webhook-replay" KeySlug
        /runbook-keys/stripe/pack.json:1:29-1:55 "node-stripe-webhook-replay" PackEntry
        /runbooks/main.md:5:13-5:39 "node-stripe-webhook-replay" KeySlug
        /runbooks/main.md:6:18-6:63 "/node-keys/stripe-webhook-replay/src/index.ts" Location
        /runbooks/main.md:10:59-10:96 "@/node-keys/stripe-webhook-replay/src" ImportSpecifier
    "#]]
    .assert_eq(&out);
    // UTF-16 columns count the em dash as one unit, like UTF-32.
    let second = analysis.references(&path, offset, false).unwrap()[1].range;
    assert_eq!((second.start.utf16, second.start.utf8), (43, 45));
}

#[test]
fn document_highlights_are_the_uses_in_the_same_runbook() {
    let fixture = Fixture::parse(&workspace(&action_at("replayFailedWebhooks", 0, 0), OTHER_RUNBOOK));
    let (host, path, offset) = analysis_host(&fixture);
    let text = &fixture.files[fixture.main_file()].text;
    let highlights: Vec<String> = host
        .analysis()
        .document_highlights(&path, offset)
        .into_iter()
        .map(|(range, kind)| format!("{} {kind:?}", quote(text, range)))
        .collect();
    expect![[r#"
        [
            "10:10-10:30 \"replayFailedWebhooks\" ImportedName",
            "12:22-12:42 \"replayFailedWebhooks\" Call",
        ]
    "#]]
    .assert_debug_eq(&highlights);
}

#[track_caller]
fn check_rename(fixture: &str, new_name: &str, rename_folders: bool, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    let (host, path, offset) = analysis_host(&fixture);
    let analysis = host.analysis();
    let out = match analysis.rename(&path, offset, new_name, rename_folders) {
        Err(error) => format!("error: {error}\n"),
        Ok(change) => {
            let mut out = String::new();
            for (file, edits) in &change.edits {
                for edit in edits {
                    writeln!(out, "{} -> {:?}", quote_file_range(&analysis, file, edit.range), edit.new_text).unwrap();
                }
            }
            for edit in &change.file_system_edits {
                writeln!(out, "{edit:?}").unwrap();
            }
            out
        }
    };
    expect.assert_eq(&out);
}

#[test]
fn rename_a_key_with_its_folder() {
    check_rename(
        &workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK),
        "node-stripe-event-replay",
        true,
        expect![[r#"
            /node-keys/stripe-webhook-replay/key.json:1:12-1:33 "stripe-webhook-replay" -> "stripe-event-replay"
            /runbook-keys/stripe/README.md:3:6-3:32 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
            /runbook-keys/stripe/README.md:6:51-6:72 "stripe-webhook-replay" -> "stripe-event-replay"
            /runbook-keys/stripe/pack.json:1:29-1:55 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
            /runbooks/main.md:5:13-5:39 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
            /runbooks/main.md:6:29-6:50 "stripe-webhook-replay" -> "stripe-event-replay"
            /runbooks/main.md:10:71-10:92 "stripe-webhook-replay" -> "stripe-event-replay"
            Rename { from: "/ws/node-keys/stripe-webhook-replay", to: "/ws/node-keys/stripe-event-replay" }
        "#]],
    );
}

#[test]
fn rename_a_key_without_folder_operations_keeps_paths() {
    check_rename(
        &workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK),
        "node-stripe-event-replay",
        false,
        expect![[r#"
            /node-keys/stripe-webhook-replay/key.json:1:12-1:33 "stripe-webhook-replay" -> "stripe-event-replay"
            /runbook-keys/stripe/README.md:3:6-3:32 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
            /runbook-keys/stripe/pack.json:1:29-1:55 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
            /runbooks/main.md:5:13-5:39 "node-stripe-webhook-replay" -> "node-stripe-event-replay"
        "#]],
    );
}

#[test]
fn rename_is_refused_with_a_reason() {
    let fixture = workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK);
    for (new_name, expect) in [
        (
            "node-webhook-monitoring",
            expect![[r#"
            error: a KEY named `node-webhook-monitoring` already exists (/node-keys/webhook-monitoring); choose another name
        "#]],
        ),
        (
            "next-stripe",
            expect![[r#"
            error: a KEY of the `node` family keeps its prefix: the new slug must start with `node-`
        "#]],
        ),
        (
            "node-Stripe_Replay",
            expect![[r#"
            error: `node-Stripe_Replay` is not a KEY slug: use lower-case words and digits joined by `-` (like `node-stripe-webhook-replay`)
        "#]],
        ),
    ] {
        check_rename(&fixture, new_name, true, expect);
    }
    check_rename(
        &workspace(&action_at("replayFailedWebhooks", 1, 2), ""),
        "replayAll",
        true,
        expect![[r#"
            error: `replayFailedWebhooks` is defined in TypeScript at /node-keys/stripe-webhook-replay/src/handlers/replay.ts:9; runbook-ls never edits code: rename it there, then fix the runbooks
        "#]],
    );
    check_rename(
        "//- /runbooks/main.md\nRun `node-bare$0-key`.\n//- /node-keys/bare-key/src/index.ts\nexport function go(): void {}\n",
        "node-bare-kit",
        false,
        expect![[r#"
            error: KEY `node-bare-key` takes its slug from its folder name and the folder cannot be renamed here; rename the folder /node-keys/bare-key or add a "slug" to its key.json
        "#]],
    );
}

#[test]
fn renaming_a_key_folder_in_the_editor_keeps_references_right() {
    let fixture = Fixture::parse(&format!(
        "//- /runbooks/main.md\nRun `node-bare-key`:\n\n**Location**: `/node-keys/bare-key/src/index.ts`\n\n```ts\nimport {{ go }} from '@/node-keys/bare-key/src';\n```\n\n**Location**: node-keys/stripe-webhook-replay/src/types.ts\n//- /node-keys/bare-key/src/index.ts\nexport function go(): void {{}}\n{OTHER_RUNBOOK}{KEYS}"
    ));
    let (host, _, _) = analysis_host(&fixture);
    let analysis = host.analysis();
    let root = PathBuf::from(WORKSPACE_ROOT);
    let renames = [
        (root.join("node-keys/bare-key"), root.join("node-keys/bare-kit")),
        (
            root.join("node-keys/stripe-webhook-replay/src/types.ts"),
            root.join("node-keys/stripe-webhook-replay/src/model.ts"),
        ),
    ];
    let change = analysis.will_rename_files(&renames);
    let mut out = String::new();
    for (file, edits) in &change.edits {
        for edit in edits {
            writeln!(out, "{} -> {:?}", quote_file_range(&analysis, file, edit.range), edit.new_text).unwrap();
        }
    }
    expect![[r#"
        /runbooks/main.md:1:6-1:19 "node-bare-key" -> "node-bare-kit"
        /runbooks/main.md:3:27-3:35 "bare-key" -> "bare-kit"
        /runbooks/main.md:6:33-6:41 "bare-key" -> "bare-kit"
        /runbooks/main.md:9:15-9:59 "node-keys/stripe-webhook-replay/src/types.ts" -> "node-keys/stripe-webhook-replay/src/model.ts"
    "#]]
    .assert_eq(&out);
}

#[test]
fn workspace_symbols_are_keys_exports_and_actions() {
    let fixture = Fixture::parse(&workspace(&action_at("`node-stripe", 0, 3), OTHER_RUNBOOK));
    let (host, _, _) = analysis_host(&fixture);
    let analysis = host.analysis();
    let mut out = String::new();
    for symbol in analysis.workspace_symbols("replay") {
        let place = quote_file_range(&analysis, &symbol.path, symbol.range);
        writeln!(out, "{:?} {} ({}) at {place}", symbol.kind, symbol.name, symbol.container.unwrap_or_default())
            .unwrap();
    }
    expect![[r#"
        Action Action 2: Replay Failed Webhook Events (REVERSIBLE) (runbooks/main.md) at /runbooks/main.md:1:5-1:56 "Action 2: Replay Failed Webhook Events (REVERSIBLE)"
        Export(Interface) ReplayOptions (node-stripe-webhook-replay) at /node-keys/stripe-webhook-replay/src/types.ts:1:18-1:31 "ReplayOptions"
        Export(Type) ReplayResult (node-stripe-webhook-replay) at /node-keys/stripe-webhook-replay/src/types.ts:2:13-2:25 "ReplayResult"
        Export(Function) replayFailedWebhooks (node-stripe-webhook-replay) at /node-keys/stripe-webhook-replay/src/handlers/replay.ts:9:23-9:43 "replayFailedWebhooks"
        Key node-stripe-webhook-replay (Stripe Webhook Replay) at /node-keys/stripe-webhook-replay/key.json:1:12-1:33 "stripe-webhook-replay"
    "#]]
    .assert_eq(&out);
}

#[test]
fn document_links_for_locations_and_specifiers() {
    let fixture =
        Fixture::parse(&workspace(&format!("{ACTION}\n**Location**: `/node-keys/nowhere/src/index.ts`\n"), ""));
    let (host, path, _) = analysis_host(&fixture);
    let text = &fixture.files[fixture.main_file()].text;
    let links: Vec<String> = host
        .analysis()
        .document_links(&path)
        .into_iter()
        .map(|link| format!("{} -> {}", quote(text, link.range), link.target.display()))
        .collect();
    expect![[r#"
        [
            "6:18-6:63 \"/node-keys/stripe-webhook-replay/src/index.ts\" -> /ws/node-keys/stripe-webhook-replay/src/index.ts",
            "10:59-10:96 \"@/node-keys/stripe-webhook-replay/src\" -> /ws/node-keys/stripe-webhook-replay/src/index.ts",
        ]
    "#]]
    .assert_debug_eq(&links);
}

/// SPEC 1: a use of the alias (`next-…`, from the manifest's `tool`) keeps
/// to the alias family; the canonical slug and pack.json to the root's.
#[test]
fn rename_a_key_used_by_its_alias() {
    let fixture = r#"//- /runbooks/main.md
- **KEY**: `next-audit-$0log-capture`
- and `node-audit-log-capture` in prose
//- /runbook-keys/audit/README.md
# Audit
Uses `next-audit-log-capture`.
//- /runbook-keys/audit/pack.json
{ "references_node_keys": ["node-audit-log-capture"] }
//- /node-keys/audit-log-capture/key.json
{ "slug": "audit-log-capture", "tool": "next" }
"#;
    check_rename(
        fixture,
        "next-audit-trail",
        false,
        expect![[r#"
        /node-keys/audit-log-capture/key.json:1:12-1:29 "audit-log-capture" -> "audit-trail"
        /runbook-keys/audit/README.md:2:7-2:29 "next-audit-log-capture" -> "next-audit-trail"
        /runbook-keys/audit/pack.json:1:29-1:51 "node-audit-log-capture" -> "node-audit-trail"
        /runbooks/main.md:1:13-1:35 "next-audit-log-capture" -> "next-audit-trail"
        /runbooks/main.md:2:8-2:30 "node-audit-log-capture" -> "node-audit-trail"
    "#]],
    );
    check_rename(
        fixture,
        "node-audit-trail",
        false,
        expect![[r#"
        /node-keys/audit-log-capture/key.json:1:12-1:29 "audit-log-capture" -> "audit-trail"
        /runbook-keys/audit/README.md:2:7-2:29 "next-audit-log-capture" -> "next-audit-trail"
        /runbook-keys/audit/pack.json:1:29-1:51 "node-audit-log-capture" -> "node-audit-trail"
        /runbooks/main.md:1:13-1:35 "next-audit-log-capture" -> "next-audit-trail"
        /runbooks/main.md:2:8-2:30 "node-audit-log-capture" -> "node-audit-trail"
    "#]],
    );
}
