//! Where a workspace's configuration comes from (SPEC 1): `runbook-ls.toml`,
//! overridden setting by setting by the editor's layers (LSP
//! `initializationOptions`, then `workspace/configuration`, section
//! `runbook-ls`). Unknown settings and bad values become problems (with their
//! range in the toml file) and the defaults are used for them. The resolved
//! result is the `IdeConfig` the features read.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;

use runbook_keys::KeyRoot;
use runbook_keys::fs::FileSystem;
use runbook_syntax::{LineIndex, SourceRange, TextRange};
use serde_json::Value as Json;

use crate::{Diagnostic, DiagnosticCode, IdeConfig, RuleLevel, build_globs};

/// The name of the configuration file at a workspace root.
pub const CONFIG_FILE: &str = "runbook-ls.toml";

/// The names of the settings with what each is, as documented and as the VS
/// Code extension contributes them.
pub const SETTINGS: &[(&str, &str)] = &[
    ("runbooks", "Globs (relative to the workspace root) of the files the structure rules apply to."),
    ("key-roots", "Folders of KEYs with their family prefix and import prefix; replaces the default roots."),
    ("rules", "Per-rule severity: \"error\", \"warning\", \"info\", \"hint\" or \"off\"."),
    (
        "inlay-hints",
        "Inlay hints after KEY references (the class a KEY declares when its Action states none or a weaker one, and how many of its side effects the Action does not list): true (default) or false.",
    ),
    (
        "max-document-bytes",
        "Runbooks larger than this many bytes (default 4194304, 4 MiB) are not analysed by the server, open or not; they get one file-too-large finding. `runbook-ls check` checks them whatever their size.",
    ),
];

/// Settings that clients keep under the same section for themselves.
const CLIENT_ONLY_SETTINGS: &[&str] = &["server", "trace"];

/// One configuration layer: only the keys it sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigLayer {
    pub runbooks: Option<Vec<String>>,
    pub key_roots: Option<Vec<KeyRoot>>,
    pub rules: BTreeMap<DiagnosticCode, RuleLevel>,
    pub inlay_hints: Option<bool>,
    pub max_document_bytes: Option<usize>,
}

/// Something wrong in a configuration source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Byte range in the toml file; `None` for settings that came from the client.
    pub range: Option<Range<usize>>,
    pub message: String,
}

/// Where a layer came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    File,
    Client,
}

impl ConfigLayer {
    /// Reads `runbook-ls.toml`. A syntax error keeps what could be read.
    pub fn from_toml(text: &str) -> (ConfigLayer, Vec<ConfigProblem>) {
        let (table, errors) = toml::de::DeTable::parse_recoverable(text);
        let mut problems: Vec<ConfigProblem> = errors
            .iter()
            .map(|error| ConfigProblem {
                range: error.span(),
                message: format!("{CONFIG_FILE} is not valid TOML: {}", error.message().trim()),
            })
            .collect();
        let value = Node::from_toml_table(table.get_ref(), table.span());
        let layer = ConfigLayer::from_node(&value, ConfigSource::File, &mut problems);
        // The parser's tables are unordered: report in file order, once each.
        problems.sort_by_key(|problem| problem.range.as_ref().map(|range| (range.start, range.end)));
        problems.dedup();
        (layer, problems)
    }

    /// Reads settings sent by the client (`initializationOptions`, `workspace/configuration`).
    pub fn from_json(json: &Json) -> (ConfigLayer, Vec<ConfigProblem>) {
        let mut problems = Vec::new();
        if json.is_null() {
            return (ConfigLayer::default(), problems);
        }
        // Some clients nest the section under its name.
        let json = json.get("runbook-ls").unwrap_or(json);
        let layer = ConfigLayer::from_node(&Node::from_json(json), ConfigSource::Client, &mut problems);
        (layer, problems)
    }

    fn from_node(node: &Node, source: ConfigSource, problems: &mut Vec<ConfigProblem>) -> ConfigLayer {
        let mut layer = ConfigLayer::default();
        let Value::Table(entries) = &node.value else {
            problems.push(node.problem("the configuration must be a table of settings".to_string()));
            return layer;
        };
        for (key, key_range, value) in entries {
            match key.as_str() {
                "runbooks" => {
                    layer.runbooks = strings(value, "runbooks", problems).filter(|globs| match build_globs(globs) {
                        Ok(_) => true,
                        Err((glob, why)) => {
                            problems.push(value.problem(format!(
                                "`runbooks`: {glob:?} is not a valid glob ({why}); using the default"
                            )));
                            false
                        }
                    })
                }
                "key-roots" => layer.key_roots = key_roots(value, problems),
                "rules" => layer.rules = rules(value, problems),
                "inlay-hints" => layer.inlay_hints = boolean(value, "inlay-hints", problems),
                "max-document-bytes" => match value.value {
                    Value::Integer(bytes) if bytes > 0 => layer.max_document_bytes = usize::try_from(bytes).ok(),
                    _ => problems.push(value.problem(format!(
                        "`max-document-bytes` must be a positive whole number of bytes; using the default ({})",
                        crate::DEFAULT_MAX_DOCUMENT_BYTES
                    ))),
                },
                _ if source == ConfigSource::Client && CLIENT_ONLY_SETTINGS.contains(&key.as_str()) => {}
                _ => {
                    let known: Vec<&str> = SETTINGS.iter().map(|(name, _)| *name).collect();
                    problems.push(ConfigProblem {
                        range: key_range.clone(),
                        message: format!(
                            "unknown setting `{key}`{}; known settings: {}",
                            did_you_mean(key, &known),
                            known.join(", ")
                        ),
                    });
                }
            }
        }
        layer
    }
}

/// What the configuration file said, and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// Empty when there is no file.
    pub text: String,
    pub layer: ConfigLayer,
    pub problems: Vec<ConfigProblem>,
}

impl ConfigFile {
    /// Reads the file at `path` (normally `<root>/runbook-ls.toml`); no file
    /// is no configuration.
    pub fn read(fs: &dyn FileSystem, path: PathBuf) -> ConfigFile {
        match fs.read_to_string(&path) {
            Ok(text) => ConfigFile::parse(path, text),
            Err(_) => ConfigFile { path, ..ConfigFile::default() },
        }
    }

    pub fn parse(path: PathBuf, text: String) -> ConfigFile {
        let (layer, problems) = ConfigLayer::from_toml(&text);
        ConfigFile { path, text, layer, problems }
    }

    /// The problems as `invalid-config` diagnostics, positioned in the file.
    pub(crate) fn diagnostics(&self) -> Vec<(SourceRange, Diagnostic)> {
        if self.problems.is_empty() {
            return Vec::new();
        }
        let line_index = LineIndex::new(&self.text);
        self.problems
            .iter()
            .map(|problem| {
                let range = problem.range.clone().map_or(TextRange::empty(0), |range| {
                    let end = range.end.min(self.text.len());
                    TextRange::new(range.start.min(end), end)
                });
                let diagnostic = Diagnostic::new(DiagnosticCode::InvalidConfig, range, problem.message.clone());
                (line_index.source_range(&self.text, range), diagnostic)
            })
            .collect()
    }
}

/// The layers merged, later ones winning key by key, as the ide sees them.
pub fn resolve(layers: &[&ConfigLayer]) -> IdeConfig {
    let mut runbooks = None;
    let mut key_roots = None;
    let mut rules: HashMap<DiagnosticCode, RuleLevel> = HashMap::new();
    let mut inlay_hints = None;
    let mut max_document_bytes = crate::DEFAULT_MAX_DOCUMENT_BYTES;
    for layer in layers {
        if let Some(bytes) = layer.max_document_bytes {
            max_document_bytes = bytes;
        }
        if let Some(globs) = &layer.runbooks {
            runbooks = Some(globs.clone());
        }
        if let Some(roots) = &layer.key_roots {
            key_roots = Some(roots.clone());
        }
        rules.extend(layer.rules.iter().map(|(code, level)| (*code, *level)));
        inlay_hints = layer.inlay_hints.or(inlay_hints);
    }
    let key_roots = key_roots.filter(|roots| !roots.is_empty()).unwrap_or_else(KeyRoot::defaults);
    let runbooks =
        runbooks.unwrap_or_else(|| crate::DEFAULT_RUNBOOK_GLOBS.iter().map(|glob| glob.to_string()).collect());
    // The globs were validated when the layer was read.
    let mut config = IdeConfig::new(rules, runbooks, key_roots).unwrap_or_default();
    config.inlay_hints = inlay_hints.unwrap_or(true);
    config.max_document_bytes = max_document_bytes;
    config
}

fn boolean(node: &Node, key: &str, problems: &mut Vec<ConfigProblem>) -> Option<bool> {
    match node.value {
        Value::Bool(value) => Some(value),
        _ => {
            problems.push(node.problem(format!("`{key}` must be true or false; using the default (true)")));
            None
        }
    }
}

fn strings(node: &Node, key: &str, problems: &mut Vec<ConfigProblem>) -> Option<Vec<String>> {
    let Value::Array(items) = &node.value else {
        problems.push(node.problem(format!("`{key}` must be a list of strings; using the default")));
        return None;
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::String(text) => out.push(text.clone()),
            _ => {
                problems.push(item.problem(format!("`{key}` must be a list of strings; using the default")));
                return None;
            }
        }
    }
    Some(out)
}

fn key_roots(node: &Node, problems: &mut Vec<ConfigProblem>) -> Option<Vec<KeyRoot>> {
    let Value::Array(items) = &node.value else {
        problems.push(
            node.problem("`key-roots` must be a list of tables ([[key-roots]]); using the default roots".to_string()),
        );
        return None;
    };
    let mut roots = Vec::new();
    for item in items {
        let Value::Table(entries) = &item.value else {
            problems.push(item.problem("each `key-roots` entry must be a table with `path` and `prefix`".to_string()));
            continue;
        };
        let mut path = None;
        let mut path_node = None;
        let mut prefix = None;
        let mut import = None;
        for (key, key_range, value) in entries {
            let slot = match key.as_str() {
                "path" => {
                    path_node = Some(value);
                    &mut path
                }
                "prefix" => &mut prefix,
                "import" => &mut import,
                _ => {
                    problems.push(ConfigProblem {
                        range: key_range.clone(),
                        message: format!("unknown `key-roots` field `{key}`; known fields: path, prefix, import"),
                    });
                    continue;
                }
            };
            match &value.value {
                Value::String(text) if !text.trim().is_empty() => *slot = Some(text.trim().to_string()),
                _ => problems.push(value.problem(format!("`key-roots` field `{key}` must be a non-empty string"))),
            }
        }
        match (path, prefix) {
            (Some(path), Some(prefix)) => {
                if prefix.contains('-') || !prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
                    problems.push(
                        item.problem(format!(
                            "`key-roots` prefix {prefix:?} must be one lower-case word like \"node\""
                        )),
                    );
                    continue;
                }
                if let Some(why) = outside_workspace(&path) {
                    let node = path_node.unwrap_or(item);
                    problems.push(node.problem(format!(
                        "`key-roots` path {path:?} {why}; a key root is a folder inside the workspace, \
                         relative to its root (like \"node-keys\"); entry ignored"
                    )));
                    continue;
                }
                let path = path.trim_end_matches(['/', '\\']).to_string();
                roots.push(KeyRoot { path, prefix, import });
            }
            _ => problems
                .push(item.problem("a `key-roots` entry needs both `path` and `prefix`; entry ignored".to_string())),
        }
    }
    Some(roots)
}

/// Why a key root path would leave the workspace: absolute, or climbing
/// out with `..` (never read: the file system is confined to the workspace).
fn outside_workspace(path: &str) -> Option<&'static str> {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with(['/', '\\']) || drive || std::path::Path::new(path).is_absolute() {
        return Some("is absolute");
    }
    path.split(['/', '\\']).any(|part| part == "..").then_some("climbs out of the workspace with `..`")
}

fn rules(node: &Node, problems: &mut Vec<ConfigProblem>) -> BTreeMap<DiagnosticCode, RuleLevel> {
    let mut rules = BTreeMap::new();
    let Value::Table(entries) = &node.value else {
        problems.push(node.problem("`rules` must be a table of rule = severity".to_string()));
        return rules;
    };
    let codes: Vec<&str> = DiagnosticCode::ALL.iter().map(|code| code.as_str()).collect();
    for (key, key_range, value) in entries {
        let Some(code) = DiagnosticCode::parse(key) else {
            problems.push(ConfigProblem {
                range: key_range.clone(),
                message: format!("unknown rule `{key}`{}", did_you_mean(key, &codes)),
            });
            continue;
        };
        match &value.value {
            Value::String(text) if RuleLevel::parse(text).is_some() => {
                rules.insert(code, RuleLevel::parse(text).expect("checked just above"));
            }
            _ => problems.push(value.problem(format!(
                "rule `{key}` must be \"error\", \"warning\", \"info\", \"hint\" or \"off\"; using its default ({})",
                code.default_severity()
            ))),
        }
    }
    rules
}

fn did_you_mean(key: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(key, candidate), candidate))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

/// A configuration value from either source, with its range when it has one.
struct Node {
    value: Value,
    range: Option<Range<usize>>,
}

enum Value {
    String(String),
    Bool(bool),
    Integer(i64),
    Array(Vec<Node>),
    Table(Vec<(String, Option<Range<usize>>, Node)>),
    Other,
}

impl Node {
    fn problem(&self, message: String) -> ConfigProblem {
        ConfigProblem { range: self.range.clone(), message }
    }

    fn from_json(json: &Json) -> Node {
        let value = match json {
            Json::String(text) => Value::String(text.clone()),
            Json::Bool(value) => Value::Bool(*value),
            Json::Number(number) => number.as_i64().map_or(Value::Other, Value::Integer),
            Json::Array(items) => Value::Array(items.iter().map(Node::from_json).collect()),
            Json::Object(map) => {
                Value::Table(map.iter().map(|(key, value)| (key.clone(), None, Node::from_json(value))).collect())
            }
            _ => Value::Other,
        };
        Node { value, range: None }
    }

    fn from_toml_table(table: &toml::de::DeTable<'_>, range: Range<usize>) -> Node {
        let entries = table
            .iter()
            .map(|(key, value)| {
                (key.get_ref().to_string(), Some(key.span()), Node::from_toml(value.get_ref(), value.span()))
            })
            .collect();
        Node { value: Value::Table(entries), range: Some(range) }
    }

    fn from_toml(value: &toml::de::DeValue<'_>, range: Range<usize>) -> Node {
        match value {
            toml::de::DeValue::String(text) => Node { value: Value::String(text.to_string()), range: Some(range) },
            toml::de::DeValue::Boolean(value) => Node { value: Value::Bool(*value), range: Some(range) },
            toml::de::DeValue::Array(items) => Node {
                value: Value::Array(items.iter().map(|item| Node::from_toml(item.get_ref(), item.span())).collect()),
                range: Some(range),
            },
            toml::de::DeValue::Table(table) => Node::from_toml_table(table, range),
            toml::de::DeValue::Integer(integer) => Node {
                value: i64::from_str_radix(integer.as_str(), integer.radix()).map_or(Value::Other, Value::Integer),
                range: Some(range),
            },
            _ => Node { value: Value::Other, range: Some(range) },
        }
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    #[track_caller]
    fn check_toml(text: &str, expect: Expect) {
        let (layer, problems) = ConfigLayer::from_toml(text);
        let mut out = format!("{layer:?}\n");
        for problem in problems {
            let quoted = problem.range.clone().map(|range| format!("{:?}", &text[range])).unwrap_or_default();
            out.push_str(&format!("problem {quoted}: {}\n", problem.message));
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn reads_every_key() {
        check_toml(
            r#"runbooks = ["runbook-keys/*/README.md", "runbooks/**/*.md"]
inlay-hints = false
max-document-bytes = 8_000_000

[[key-roots]]
path = "keys-assets/node-next-keys/"
prefix = "node"
import = "@/node-keys/"

[rules]
missing-side-effects = "info"
hidden-execution = "off"
"#,
            expect![[r#"
                ConfigLayer { runbooks: Some(["runbook-keys/*/README.md", "runbooks/**/*.md"]), key_roots: Some([KeyRoot { path: "keys-assets/node-next-keys", prefix: "node", import: Some("@/node-keys/") }]), rules: {MissingSideEffects: On(Info), HiddenExecution: Off}, inlay_hints: Some(false), max_document_bytes: Some(8000000) }
            "#]],
        );
    }

    #[test]
    fn reports_unknown_keys_and_bad_values_with_ranges() {
        check_toml(
            r#"runbook = ["x"]
runbooks = ["a/[b"]
inlay-hints = "no"
max-document-bytes = "5 MB"

[[key-roots]]
path = "k"
prefx = "node"

[rules]
missing-sideeffects = "info"
missing-rollback = "loud"
unknown-key = 3
"#,
            expect![[r#"
                ConfigLayer { runbooks: None, key_roots: Some([]), rules: {}, inlay_hints: None, max_document_bytes: None }
                problem "runbook": unknown setting `runbook` (did you mean `runbooks`?); known settings: runbooks, key-roots, rules, inlay-hints, max-document-bytes
                problem "[\"a/[b\"]": `runbooks`: "a/[b" is not a valid glob (unclosed character class; missing ']'); using the default
                problem "\"no\"": `inlay-hints` must be true or false; using the default (true)
                problem "\"5 MB\"": `max-document-bytes` must be a positive whole number of bytes; using the default (4194304)
                problem "[[key-roots]]": a `key-roots` entry needs both `path` and `prefix`; entry ignored
                problem "prefx": unknown `key-roots` field `prefx`; known fields: path, prefix, import
                problem "missing-sideeffects": unknown rule `missing-sideeffects` (did you mean `missing-side-effects`?)
                problem "\"loud\"": rule `missing-rollback` must be "error", "warning", "info", "hint" or "off"; using its default (warning)
                problem "3": rule `unknown-key` must be "error", "warning", "info", "hint" or "off"; using its default (error)
            "#]],
        );
        check_toml(
            "runbooks = [\"x\"\n[rules\n",
            expect![[r#"
                ConfigLayer { runbooks: None, key_roots: None, rules: {}, inlay_hints: None, max_document_bytes: None }
                problem "": runbook-ls.toml is not valid TOML: missing comma between array elements, expected `,`
                problem "[rules": `runbooks` must be a list of strings; using the default
                problem "rules": runbook-ls.toml is not valid TOML: string values must be quoted, expected literal string
                problem "": runbook-ls.toml is not valid TOML: unclosed array, expected `]`
            "#]],
        );
    }

    #[test]
    fn key_roots_outside_the_workspace_are_reported_and_dropped() {
        check_toml(
            r#"[[key-roots]]
path = "../outside"
prefix = "node"

[[key-roots]]
path = "/etc"
prefix = "next"

[[key-roots]]
path = "keys/../../up"
prefix = "up"

[[key-roots]]
path = 'C:\keys'
prefix = "win"

[[key-roots]]
path = "keys/node/"
prefix = "node"
"#,
            expect![[r#"
                ConfigLayer { runbooks: None, key_roots: Some([KeyRoot { path: "keys/node", prefix: "node", import: None }]), rules: {}, inlay_hints: None, max_document_bytes: None }
                problem "\"../outside\"": `key-roots` path "../outside" climbs out of the workspace with `..`; a key root is a folder inside the workspace, relative to its root (like "node-keys"); entry ignored
                problem "\"/etc\"": `key-roots` path "/etc" is absolute; a key root is a folder inside the workspace, relative to its root (like "node-keys"); entry ignored
                problem "\"keys/../../up\"": `key-roots` path "keys/../../up" climbs out of the workspace with `..`; a key root is a folder inside the workspace, relative to its root (like "node-keys"); entry ignored
                problem "'C:\\keys'": `key-roots` path "C:\\keys" is absolute; a key root is a folder inside the workspace, relative to its root (like "node-keys"); entry ignored
            "#]],
        );
    }

    #[test]
    fn client_settings_override_the_file_key_by_key() {
        let (file, _) = ConfigLayer::from_toml("runbooks = [\"a/*.md\"]\n[rules]\nmissing-safety = \"error\"\n");
        let (client, problems) = ConfigLayer::from_json(&serde_json::json!({
            "rules": { "missing-rollback": "off" },
            "inlay-hints": false,
            "key-roots": [],
            "server": { "path": "/usr/bin/runbook-ls" },
            "trace": { "server": "off" },
        }));
        assert!(problems.is_empty(), "{problems:?}");
        let config = resolve(&[&file, &client]);
        assert_eq!(config.runbook_globs, vec!["a/*.md"]);
        assert_eq!(config.level(DiagnosticCode::MissingSafety), RuleLevel::On(crate::Severity::Error));
        assert_eq!(config.level(DiagnosticCode::MissingRollback), RuleLevel::Off);
        assert_eq!(config.key_roots, KeyRoot::defaults());
        assert!(!config.inlay_hints);
        assert!(resolve(&[&file]).inlay_hints, "inlay hints are on by default");
    }
}

/// One source of truth for the settings: the keys read here, the keys the VS
/// Code extension contributes and the keys the README documents must agree.
#[cfg(test)]
mod single_source {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use serde_json::Value;

    use super::SETTINGS;
    use crate::{DEFAULT_RUNBOOK_GLOBS, DiagnosticCode};

    fn repository() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn read(path: &str) -> String {
        std::fs::read_to_string(repository().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    /// Checks (or, with `UPDATE_EXPECT=1`, rewrites) the generated part of the README between markers.
    fn check_generated(marker: &str, generated: &str) {
        let path = repository().join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start_marker = format!("<!-- {marker}:start -->\n");
        let end_marker = format!("<!-- {marker}:end -->");
        let start = readme.find(&start_marker).expect("the start marker is in the README") + start_marker.len();
        let end = readme.find(&end_marker).expect("the end marker is in the README");
        if readme[start..end] == *generated {
            return;
        }
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!("README.md section `{marker}` is out of date; run `UPDATE_EXPECT=1 cargo test -p runbook-ide`");
    }

    #[test]
    fn vscode_settings_match_the_config_keys() {
        let package: Value = serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
        let properties = package["contributes"]["configuration"]["properties"].as_object().unwrap();
        let mut contributed: Vec<&str> = properties
            .keys()
            .filter_map(|key| key.strip_prefix("runbook-ls."))
            .filter(|key| !["server.path", "trace.server"].contains(key))
            .collect();
        contributed.sort();
        let mut known: Vec<&str> = SETTINGS.iter().map(|(key, _)| *key).collect();
        known.sort();
        assert_eq!(contributed, known, "contributes.configuration and settings::SETTINGS disagree");

        let rules = properties["runbook-ls.rules"]["properties"].as_object().unwrap();
        let mut rule_keys: Vec<&str> = rules.keys().map(String::as_str).collect();
        rule_keys.sort();
        let mut codes: Vec<&str> = DiagnosticCode::ALL.iter().map(|code| code.as_str()).collect();
        codes.sort();
        assert_eq!(rule_keys, codes, "runbook-ls.rules must list every diagnostic code");
        for (code, schema) in rules {
            assert_eq!(schema["enum"], serde_json::json!(["error", "warning", "info", "hint", "off"]), "{code}");
        }
        let defaults: Vec<&str> =
            properties["runbook-ls.runbooks"]["default"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(defaults, DEFAULT_RUNBOOK_GLOBS);
        let mut root_fields: Vec<&str> = properties["runbook-ls.key-roots"]["items"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        root_fields.sort();
        assert_eq!(root_fields, ["import", "path", "prefix"]);
    }

    /// `editors/schemas/runbook-ls.schema.json` is what TOML servers (taplo,
    /// tombi) validate `runbook-ls.toml` with: it must know exactly our keys
    /// and rules, with the same words as the README and the rule docs.
    #[test]
    fn toml_schema_matches_the_config_keys() {
        let schema: Value = serde_json::from_str(&read("editors/schemas/runbook-ls.schema.json")).unwrap();
        assert_eq!(schema["additionalProperties"], false, "an unknown key is an invalid-config problem");
        let properties = schema["properties"].as_object().unwrap();
        let described: BTreeMap<&str, &str> = properties
            .iter()
            .map(|(key, property)| (key.as_str(), property["description"].as_str().unwrap()))
            .collect();
        let known: BTreeMap<&str, &str> = SETTINGS.iter().copied().collect();
        assert_eq!(described, known, "the schema's properties and settings::SETTINGS disagree");

        let rules = &properties["rules"];
        assert_eq!(rules["additionalProperties"], false, "an unknown rule is an invalid-config problem");
        let described: BTreeMap<&str, &str> = rules["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(code, rule)| {
                assert_eq!(rule["enum"], serde_json::json!(["error", "warning", "info", "hint", "off"]), "{code}");
                (code.as_str(), rule["description"].as_str().unwrap())
            })
            .collect();
        let expected: BTreeMap<&str, String> = DiagnosticCode::ALL
            .iter()
            .map(|code| (code.as_str(), format!("{} Default: `{}`.", code.summary(), code.default_severity())))
            .collect();
        let expected: BTreeMap<&str, &str> = expected.iter().map(|(code, text)| (*code, text.as_str())).collect();
        assert_eq!(described, expected, "the schema's rules and DiagnosticCode::ALL disagree");

        let defaults: Vec<&str> =
            properties["runbooks"]["default"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(defaults, DEFAULT_RUNBOOK_GLOBS);
        let root = &properties["key-roots"]["items"];
        let mut fields: Vec<&str> = root["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort();
        assert_eq!(fields, ["import", "path", "prefix"]);
        assert_eq!(root["required"], serde_json::json!(["path", "prefix"]));
        assert_eq!(root["additionalProperties"], false);
    }

    #[test]
    fn readme_documents_the_config_keys() {
        let mut table = String::from("| key | what it is |\n|---|---|\n");
        for (key, what) in SETTINGS {
            table.push_str(&format!("| `{key}` | {what} |\n"));
        }
        check_generated("config-keys", &table);
    }

    #[test]
    fn readme_documents_every_rule() {
        check_generated("rules", &crate::rules_reference_markdown());
    }
}
