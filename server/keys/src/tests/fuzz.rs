//! Property tests with hostile input for what the catalog parses from disk:
//! `key.json` manifests and TypeScript KEY sources, as arbitrary text, token
//! soup and mutations of the real files in `tests/corpus` and
//! `tests/fixtures`. They must never panic, and every range they report must
//! lie inside its file, on character boundaries, with positions that agree
//! with the text. `RUNBOOK_LS_FUZZ_CASES=100000` runs them longer by hand.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use runbook_syntax::{LineIndex, SourceRange};

use crate::exports::key_exports;
use crate::fs::{MemoryFs, slash_path};
use crate::manifest::parse_manifest;

/// Cases per property: `RUNBOOK_LS_FUZZ_CASES`, else `default` (a few
/// seconds in a debug build).
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("RUNBOOK_LS_FUZZ_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// The repository's real files with one of these extensions.
fn real_files(extensions: &'static [&'static str]) -> Vec<String> {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
    let mut paths = Vec::new();
    for dir in ["corpus", "fixtures"] {
        collect_files(&tests.join(dir), &mut paths);
    }
    paths.retain(|path| extensions.iter().any(|extension| path.to_string_lossy().ends_with(extension)));
    paths.sort();
    let texts: Vec<String> = paths.iter().filter_map(|path| std::fs::read_to_string(path).ok()).collect();
    assert!(!texts.is_empty(), "no {extensions:?} files under {}", tests.display());
    texts
}

/// The real KEY folders: each file's path relative to the folder, and its text.
fn real_keys() -> &'static [Vec<(String, String)>] {
    static KEYS: OnceLock<Vec<Vec<(String, String)>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
        let mut keys = Vec::new();
        for root in ["corpus/keys-repo/node-keys", "fixtures/demo/node-keys", "fixtures/overrides/node-keys"] {
            let Ok(folders) = std::fs::read_dir(tests.join(root)) else { continue };
            let mut folders: Vec<PathBuf> = folders.flatten().map(|entry| entry.path()).collect();
            folders.sort();
            for folder in folders {
                let mut paths = Vec::new();
                collect_files(&folder, &mut paths);
                paths.sort();
                let files: Vec<(String, String)> = paths
                    .iter()
                    .filter_map(|path| {
                        let relative = slash_path(path.strip_prefix(&folder).ok()?);
                        Some((relative, std::fs::read_to_string(path).ok()?))
                    })
                    .collect();
                if files.iter().any(|(name, _)| name == "src/index.ts") {
                    keys.push(files);
                }
            }
        }
        assert!(keys.len() >= 5, "the real KEYs are under {}", tests.display());
        keys
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() { collect_files(&path, out) } else { out.push(path) }
    }
}

fn manifests() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| real_files(&["key.json"]))
}

fn sources() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| real_files(&[".ts", ".tsx", ".js"]))
}

/// Text made of `tokens` in any order.
fn soup(tokens: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..max).prop_map(|parts| parts.concat())
}

/// One of `originals`, edited a few times: a range replaced by a token, an
/// arbitrary string, or nothing.
fn mutation(originals: fn() -> &'static [String], tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    let edit = (
        0.0..=1.0f64,
        0usize..40,
        prop_oneof![Just(String::new()), prop::sample::select(tokens).prop_map(str::to_string), ".{0,8}"],
    );
    (any::<prop::sample::Index>(), prop::collection::vec(edit, 1..6)).prop_map(move |(which, edits)| {
        let mut text = which.get(originals()).clone();
        for (at, length, insert) in edits {
            let start = floor_char_boundary(&text, (text.len() as f64 * at) as usize);
            let end = floor_char_boundary(&text, start + length);
            text.replace_range(start..end.max(start), &insert);
        }
        text
    })
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A reported range lies in `text`, on character boundaries, and its
/// line/column positions are those of its offsets.
fn check_range(text: &str, range: &SourceRange, what: &str) -> Result<(), TestCaseError> {
    let offsets = range.range;
    prop_assert!(
        offsets.start <= offsets.end && offsets.end <= text.len(),
        "{what}: {offsets:?} in {} bytes",
        text.len()
    );
    prop_assert!(text.is_char_boundary(offsets.start) && text.is_char_boundary(offsets.end), "{what}: {offsets:?}");
    prop_assert_eq!(range, &LineIndex::new(text).source_range(text, offsets), "{}", what);
    Ok(())
}

// One token per entry; a table reads better than one per line.
#[rustfmt::skip]
const JSON_TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", " ", "\n", "\r\n", "\r", "\t", "\"slug\"", "\"tool\"", "\"title\"",
    "\"side_effects\"", "\"safety\"", "\"preconditions\"", "\"rollback\"", "\"required_env\"", "\"key_type\"",
    "\"a-b\"", "\"Bad Slug\"", "\"REVERSIBLE\"", "\"REVERSABLE\"", "\"node\"", "\"😀\"", "\"\\u00e9\"", "\"\\ud83d\"",
    "\"\\\"\"", "\"", "\\", "1", "-0.5e3", "1e999", "true", "false", "null", "//", "/*", "*/", "'x'", "0x1F", "NaN",
    "漢字", "e\u{301}", "\u{feff}",
];

fn check_manifest(text: &str) -> Result<(), TestCaseError> {
    let path = Path::new("/ws/node-keys/k/key.json");
    let parsed = parse_manifest(path, text);
    for problem in &parsed.problems {
        prop_assert_eq!(&problem.location.path, path);
        check_range(text, &problem.location.range, &problem.message)?;
    }
    for (range, what) in [(&parsed.slug_range, "slug"), (&parsed.tool_range, "tool")] {
        if let Some(range) = range {
            check_range(text, range, what)?;
        }
    }
    if let Some(range) = parsed.manifest.as_ref().and_then(|manifest| manifest.safety_range.as_ref()) {
        check_range(text, range, "safety")?;
    }
    Ok(())
}

/// JSON values of every type, biased towards what manifests hold.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as Json;
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        prop::sample::select(vec![
            "SAFE",
            "REVERSIBLE",
            "reversible",
            "node",
            "next",
            "a-b",
            "Bad Slug",
            "",
            "😀 e\u{301}"
        ])
        .prop_map(Json::from),
        any::<String>().prop_map(Json::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            prop::collection::vec((".{0,5}", inner), 0..4)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

/// Valid JSON objects with the manifest's fields (and others) holding any
/// type, compact or pretty: the reader must type-check every field.
fn structured_manifest() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        4 => prop::sample::select(vec![
            "slug", "title", "description", "tool", "key_type", "runtime", "side_effects", "required_env",
            "optional_env", "tenant_scope", "safety", "preconditions", "rollback",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ];
    (prop::collection::vec((field, json_value()), 0..10), any::<bool>()).prop_map(|(fields, pretty)| {
        let object = serde_json::Value::Object(fields.into_iter().collect());
        let text = if pretty { serde_json::to_string_pretty(&object) } else { serde_json::to_string(&object) };
        text.expect("JSON values serialise")
    })
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn manifest_structured(text in structured_manifest()) {
        check_manifest(&text)?;
    }

    #[test]
    fn manifest_any_text(text in any::<String>()) {
        check_manifest(&text)?;
    }

    #[test]
    fn manifest_json_soup(text in soup(JSON_TOKENS, 60)) {
        check_manifest(&text)?;
    }

    #[test]
    fn manifest_mutated(text in mutation(manifests, JSON_TOKENS)) {
        check_manifest(&text)?;
    }
}

// One token per entry; a table reads better than one per line.
#[rustfmt::skip]
const TS_TOKENS: &[&str] = &[
    "export ", "import ", "default ", "async ", "function ", "const ", "let ", "class ", "interface ", "type ",
    "enum ", "declare ", "namespace ", "from ", "as ", "* ", "{ ", "} ", "( ", ") ", "[", "]", "<T>", "=> ", "= ",
    ": ", "; ", ", ", "\n", "\r\n", "'./a'", "'./b'", "'./c'", "'./index'", "'../x'", "'@/node-keys/k/src/a'", "f",
    "g", "A", "x", "y as z", "/** Doc. @param x - it @sideEffect writes @safety IRREVERSIBLE */\n", "/*", "*/",
    "// c\n", "\"s\"", "`t${x}`", "`", "'", "\"", "1", "x.y", "?.", "...", "@dec ", "get ", "static ", "😀", "漢",
    "e\u{301}", "\u{2028}",
    "export * from './a';\n", "export { f as g, x } from './b';\n", "export { default } from './c';\n",
    "export * as ns from './a';\n", "import x, { y } from './c';\nexport { x, y };\n", "export function f() {}\n",
    "export const g = async (a: A): Promise<void> => {};\n", "export class A {}\n", "export default function () {}\n",
    "export type T = { a: string };\n", "export interface I {}\n", "/** Doc.\n * @safety SAFE\n */\n",
];

const MODULES: [&str; 4] = ["src/a.ts", "src/b.tsx", "src/c.js", "src/index.ts"];

/// The exports of a KEY made of these files (relative path, text), whose
/// entry is `src/index.ts`: every definition is in one of them, in range.
fn check_exports(files: &[(String, String)]) -> Result<(), TestCaseError> {
    let key_dir = Path::new("/ws/node-keys/k");
    let mut fs = MemoryFs::new();
    for (name, text) in files {
        fs.insert(key_dir.join(name), text.clone());
    }
    let mut names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    names.sort();
    let exports = key_exports(&fs, key_dir, &names, Some("node-keys/k"), "src/index.ts");
    for export in &exports {
        let file = files.iter().find(|(name, _)| key_dir.join(name) == export.definition.path);
        prop_assert!(file.is_some(), "{} defined in {:?}", export.name, export.definition.path);
        check_range(&file.expect("checked just above").1, &export.definition.range, &export.name)?;
    }
    Ok(())
}

/// A real KEY folder with some of its files edited, so that re-exports,
/// imports and JSDoc resolve through real module graphs.
fn mutated_key() -> impl Strategy<Value = Vec<(String, String)>> {
    let edit = (
        any::<prop::sample::Index>(),
        0.0..=1.0f64,
        0usize..40,
        prop_oneof![Just(String::new()), prop::sample::select(TS_TOKENS).prop_map(str::to_string), ".{0,8}"],
    );
    (any::<prop::sample::Index>(), prop::collection::vec(edit, 0..8)).prop_map(|(which, edits)| {
        let mut files = which.get(real_keys()).clone();
        for (file, at, length, insert) in edits {
            let text = &mut file.get_mut(&mut files).1;
            let start = floor_char_boundary(text, (text.len() as f64 * at) as usize);
            let end = floor_char_boundary(text, start + length);
            text.replace_range(start..end, &insert);
        }
        files
    })
}

/// A declaration nested thousands deep in one kind of bracket.
fn nested() -> impl Strategy<Value = String> {
    let brackets =
        prop::sample::select(vec![("(", ")"), ("{", "}"), ("[", "]"), ("<", ">"), ("namespace A {\n", "}\n")]);
    (brackets, 1usize..12_000, any::<bool>()).prop_map(|((open, close), depth, closed)| {
        let close = if closed { close.repeat(depth) } else { String::new() };
        format!("/** Doc. */\nexport const x = {}1{close};\n", open.repeat(depth))
    })
}

fn typescript() -> impl Strategy<Value = String> {
    prop_oneof![12 => soup(TS_TOKENS, 50), 12 => mutation(sources, TS_TOKENS), 4 => ".{0,200}", 1 => nested()]
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn exports_of_hostile_sources(texts in [typescript(), typescript(), typescript(), typescript()]) {
        let files: Vec<(String, String)> = MODULES.iter().map(|name| name.to_string()).zip(texts).collect();
        check_exports(&files)?;
    }

    #[test]
    fn exports_of_mutated_keys(key in mutated_key()) {
        check_exports(&key)?;
    }
}

/// Nesting as deep as a file can make it: found by hand after the
/// properties above, with 10,000 nested parentheses in a KEY source, which
/// overflowed the stack in `collect_comments` and aborted the process.
#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let open_close = |open: &str, close: &str| (open.repeat(depth), close.repeat(depth));
    let (open, close) = open_close("[", "]");
    check_manifest(&format!("{{\"side_effects\": {open}{close}}}")).unwrap();
    let (open, close) = open_close("{\"a\":", "}");
    check_manifest(&format!("{open}1{close}")).unwrap();
    let sources = [
        format!("/** Doc. */\nexport const x = {}1{};\n", "(".repeat(depth), ")".repeat(depth)),
        format!("/** Doc. */\nexport function f() {}{}\n", "{".repeat(depth), "}".repeat(depth)),
        format!("{}export function f() {{}}\n{}", "namespace A {\n".repeat(depth), "}\n".repeat(depth)),
        format!("{}function f(): void;\n", "export declare ".repeat(depth)),
        format!("{}export function f() {{}}\n", "{(export ".repeat(depth)),
    ];
    for source in sources {
        check_exports(&[("src/index.ts".to_string(), source)]).unwrap();
    }
}
