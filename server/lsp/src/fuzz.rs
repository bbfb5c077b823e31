//! Property tests with hostile input for what the server reads from outside:
//! the framing layer (random streams cut at random points, lying and odd
//! headers, broken and oversized bodies; bodies decoded as tower-lsp-server
//! decodes them) and the configuration readers
//! (`runbook-ls.toml` and the client's JSON settings). Nothing may panic;
//! frames after a skipped or broken body still get through; every problem
//! range lies inside the file, on character boundaries.
//! `RUNBOOK_LS_FUZZ_CASES=100000` runs them longer by hand.

use std::pin::Pin;
use std::task::{Context, Poll};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value as Json, json};
use tokio::io::{AsyncRead, ReadBuf};

use crate::framing::{Message, RelayEnd, relay_to_end};
use runbook_ide::settings::{self as config, ConfigLayer};

/// Cases per property: `RUNBOOK_LS_FUZZ_CASES`, else `default` (a few
/// seconds in a debug build).
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("RUNBOOK_LS_FUZZ_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// A reader that hands out its bytes in chunks of the given sizes, as a
/// pipe does when the client writes in pieces.
struct Chunked {
    bytes: Vec<u8>,
    at: usize,
    chunks: Vec<usize>,
    next_chunk: usize,
}

impl AsyncRead for Chunked {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buffer: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let chunk = self.chunks[self.next_chunk % self.chunks.len()];
        self.next_chunk += 1;
        let end = (self.at + chunk).min(self.bytes.len()).min(self.at + buffer.remaining());
        buffer.put_slice(&self.bytes[self.at..end]);
        self.at = end;
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug, Clone, Copy)]
enum HeaderStyle {
    Plain,
    LowerCase,
    WithContentType,
    LineFeedsOnly,
    Spaces,
}

fn header(style: HeaderStyle, length: usize) -> String {
    match style {
        HeaderStyle::Plain => format!("Content-Length: {length}\r\n\r\n"),
        HeaderStyle::LowerCase => format!("content-length: {length}\r\n\r\n"),
        HeaderStyle::WithContentType => {
            format!("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: {length}\r\n\r\n")
        }
        HeaderStyle::LineFeedsOnly => format!("Content-Length: {length}\n\n"),
        HeaderStyle::Spaces => format!("Content-Length:   {length}  \r\n\r\n"),
    }
}

#[derive(Debug, Clone)]
enum Piece {
    /// A JSON-RPC request (with an id) or notification, well framed.
    Message { id: Option<u32>, text: String, style: HeaderStyle },
    /// A framed body that is not JSON (it ends inside a string), starting
    /// like a request with `id` or like a notification.
    Broken { id: Option<u32>, tail: Vec<u8> },
    /// Bytes outside any frame: the stream may not resynchronise after them.
    Unframed(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Ending {
    Clean,
    /// A header announcing more than any stream holds, then the start of a
    /// request (with this id) or nothing.
    Huge {
        length: u64,
        request: Option<u32>,
    },
    /// A frame cut short by the end of input.
    Truncated {
        missing: usize,
    },
}

fn piece() -> impl Strategy<Value = Piece> {
    let style = prop_oneof![
        Just(HeaderStyle::Plain),
        Just(HeaderStyle::LowerCase),
        Just(HeaderStyle::WithContentType),
        Just(HeaderStyle::LineFeedsOnly),
        Just(HeaderStyle::Spaces),
    ];
    prop_oneof![
        8 => (proptest::option::of(any::<u32>()), ".{0,120}", style)
            .prop_map(|(id, text, style)| Piece::Message { id, text, style }),
        3 => (proptest::option::of(any::<u32>()), prop::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(id, tail)| Piece::Broken { id, tail }),
        1 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Piece::Unframed),
    ]
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        4 => Just(Ending::Clean),
        1 => (
            prop_oneof![Just(99_999_999_999_999u64), Just(u64::MAX), (1u64 << 40)..u64::MAX],
            proptest::option::of(any::<u32>()),
        )
            .prop_map(|(length, request)| Ending::Huge { length, request }),
        1 => (1usize..50).prop_map(|missing| Ending::Truncated { missing }),
    ]
}

fn message_body(id: Option<u32>, text: &str) -> String {
    match id {
        Some(id) => json!({ "jsonrpc": "2.0", "id": id, "method": "m", "params": { "t": text } }),
        None => json!({ "jsonrpc": "2.0", "method": "m", "params": { "t": text } }),
    }
    .to_string()
}

fn broken_body(id: Option<u32>, tail: &[u8]) -> Vec<u8> {
    let start = match id {
        Some(id) => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"x","params":{{"#),
        None => r#"{"jsonrpc":"2.0","method":"x","params":{"#.to_string(),
    };
    // JSON text that starts with `{` ends with `}`: this never can.
    [start.as_bytes(), tail, br#","x"#].concat()
}

/// What the relay must do with a stream: the messages it gives the server
/// (as JSON) and the (id, code) answers it writes to the client.
#[derive(Debug, Default)]
struct Expected {
    bodies: Vec<Json>,
    answers: Vec<(Json, i64)>,
}

fn stream(pieces: &[Piece], ending: &Ending, limit: usize) -> (Vec<u8>, Expected, bool) {
    let mut bytes = Vec::new();
    let mut expected = Expected::default();
    let mut in_sync = true;
    for piece in pieces {
        match piece {
            Piece::Message { id, text, style } => {
                let body = message_body(*id, text);
                bytes.extend(header(*style, body.len()).into_bytes());
                bytes.extend(body.as_bytes());
                if !in_sync {
                    continue;
                }
                if body.len() <= limit {
                    expected.bodies.push(serde_json::from_str(&body).expect("bodies are JSON"));
                } else if let Some(id) = id {
                    expected.answers.push((json!(id), -32600));
                }
            }
            Piece::Broken { id, tail } => {
                let body = broken_body(*id, tail);
                bytes.extend(header(HeaderStyle::Plain, body.len()).into_bytes());
                bytes.extend(&body);
                if let (true, Some(id)) = (in_sync, id) {
                    expected.answers.push((json!(id), if body.len() <= limit { -32700 } else { -32600 }));
                }
            }
            Piece::Unframed(garbage) => {
                bytes.extend(garbage);
                in_sync = false;
            }
        }
    }
    match ending {
        Ending::Clean => {}
        Ending::Huge { length, request } => {
            bytes.extend(format!("Content-Length: {length}\r\n\r\n").into_bytes());
            if let Some(id) = request {
                bytes.extend(format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"x""#).into_bytes());
                if in_sync {
                    expected.answers.push((json!(id), -32600));
                }
            }
        }
        Ending::Truncated { missing } => {
            let body = message_body(Some(1), "cut");
            let length = body.len().min(limit);
            bytes.extend(format!("Content-Length: {length}\r\n\r\n").into_bytes());
            bytes.extend(&body.as_bytes()[..length.saturating_sub(*missing)]);
        }
    }
    (bytes, expected, in_sync)
}

/// The bodies of the frames in `output`, which must all be whole.
fn frames(output: &[u8]) -> Result<Vec<String>, TestCaseError> {
    let mut bodies = Vec::new();
    let mut rest = output;
    while !rest.is_empty() {
        let text = std::str::from_utf8(rest).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let Some(header) = text.strip_prefix("Content-Length: ") else {
            return Err(TestCaseError::fail(format!("not a frame: {:?}", &text[..text.len().min(40)])));
        };
        let digits = header.find("\r\n\r\n").ok_or_else(|| TestCaseError::fail("no header end"))?;
        let length: usize = header[..digits].parse().map_err(|_| TestCaseError::fail("bad length"))?;
        let start = "Content-Length: ".len() + digits + 4;
        prop_assert!(start + length <= rest.len(), "a frame is cut short");
        bodies.push(String::from_utf8(rest[start..start + length].to_vec()).expect("checked above"));
        rest = &rest[start + length..];
    }
    Ok(bodies)
}

/// Runs the relay over `input`: the messages it gives the server (as
/// JSON), the answers it writes to the client, and why it stopped.
fn run_relay(input: Chunked, limit: usize) -> (Vec<Json>, Vec<u8>, RelayEnd) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let (messages, answers, end) = runtime.block_on(relay_to_end(input, limit));
    (messages, answers.concat(), end)
}

fn check_relay(pieces: Vec<Piece>, ending: Ending, limit: usize, chunks: Vec<usize>) -> Result<(), TestCaseError> {
    let (bytes, expected, in_sync) = stream(&pieces, &ending, limit);
    let (bodies, answers, end) = run_relay(Chunked { bytes, at: 0, chunks, next_chunk: 0 }, limit);
    for message in &bodies {
        prop_assert_eq!(&message["jsonrpc"], "2.0");
    }
    let answers = frames(&answers)?;
    let answers: Vec<(Json, i64)> = answers
        .iter()
        .map(|answer| {
            let answer: Json = serde_json::from_str(answer).expect("answers are JSON");
            (answer["id"].clone(), answer["error"]["code"].as_i64().expect("an error code"))
        })
        .collect();
    if in_sync {
        prop_assert_eq!(&bodies, &expected.bodies);
        prop_assert_eq!(&answers, &expected.answers);
        prop_assert_eq!(end, RelayEnd::Eof);
    } else {
        // Up to the garbage, everything; after it, what resynchronised.
        prop_assert!(bodies.starts_with(&expected.bodies), "{:?} / {:?}", bodies, expected.bodies);
        prop_assert!(answers.starts_with(&expected.answers), "{:?} / {:?}", answers, expected.answers);
        prop_assert!(matches!(end, RelayEnd::Eof | RelayEnd::BrokenHeader(_)), "{:?}", end);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn framing_of_hostile_streams(
        pieces in prop::collection::vec(piece(), 0..12),
        ending in ending(),
        limit in 64usize..1024,
        chunks in prop::collection::vec(1usize..64, 1..20),
    ) {
        check_relay(pieces, ending, limit, chunks)?;
    }

    #[test]
    fn framing_of_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400), chunk in 1usize..64) {
        let (_, answers, _) = run_relay(Chunked { bytes, at: 0, chunks: vec![chunk], next_chunk: 0 }, 256);
        frames(&answers)?;
    }
}

/// A top-level member of a JSON-RPC body: the keys tower-lsp-server's
/// `Request` and `Response` know, and one they do not, with values of the
/// right and wrong kinds.
fn member() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("jsonrpc"),
        Just("method"),
        Just("params"),
        Just("id"),
        Just("result"),
        Just("error"),
        Just("other"),
    ];
    let value = prop_oneof![
        Just(r#""2.0""#.to_string()),
        Just(r#""1.0""#.to_string()),
        Just("null".to_string()),
        Just("7".to_string()),
        Just("-3".to_string()),
        Just("1.5".to_string()),
        Just("18446744073709551615".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just(r#"[1,"a"]"#.to_string()),
        Just(r#"{"code":-32601,"message":"no"}"#.to_string()),
        Just(r#"{"code":1.5,"message":"no"}"#.to_string()),
        Just(r#"{"code":-1,"message":"m","data":{"x":[null]}}"#.to_string()),
        Just(r#"{"uri":"file:///a.md","t":"a\nb\u00e9\"","n":1,"n":2}"#.to_string()),
        "[a-z/]{0,12}".prop_map(|text| format!("{text:?}")),
    ];
    (key, value).prop_map(|(key, value)| format!("{key:?}:{value}"))
}

/// A body: mostly an object of such members (duplicates too), most of them
/// with a valid `jsonrpc` first, so that the members after it decide;
/// sometimes an array of values, sometimes not JSON.
fn body() -> impl Strategy<Value = String> {
    let version = prop_oneof![4 => Just(Some(r#""jsonrpc":"2.0""#.to_string())), 1 => Just(None)];
    prop_oneof![
        8 => (version, prop::collection::vec(member(), 0..5)).prop_map(|(version, members)| {
            format!("{{{}}}", version.into_iter().chain(members).collect::<Vec<_>>().join(","))
        }),
        1 => prop::collection::vec(member(), 0..5).prop_map(|members| {
            let values: Vec<&str> = members.iter().map(|member| member.split_once(':').expect("key:value").1).collect();
            format!("[{}]", values.join(","))
        }),
        1 => prop::collection::vec(member(), 0..4).prop_map(|members| format!("{{{}", members.join(","))),
    ]
}

proptest! {
    #![proptest_config(config(5_000))]

    /// The relay's shortcut decodes every body as tower-lsp-server's own
    /// reader would, answers to the server's requests included.
    #[test]
    fn decode_as_tower_lsp_server(body in body()) {
        let reference = serde_json::from_str::<Message>(&body);
        let decoded = crate::framing::decode(&body);
        prop_assert_eq!(decoded.as_ref().ok(), reference.as_ref().ok(), "{}", body);
    }
}

const TOML_TOKENS: &[&str] = &[
    "runbooks",
    "key-roots",
    "rules",
    "[[key-roots]]",
    "[rules]",
    "[key-roots]",
    "[runbooks]",
    "path",
    "prefix",
    "import",
    " = ",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "\r\n",
    "\r",
    "#",
    " ",
    "\t",
    "\"node\"",
    "\"Node-x\"",
    "\"../x\"",
    "\"/etc\"",
    "\"a/[b\"",
    "\"**/*.md\"",
    "\"@/node-keys/\"",
    "missing-safety",
    "\"off\"",
    "\"loud\"",
    "3",
    "-1.5",
    "true",
    "1979-05-27T07:32:00Z",
    "\\u00e9",
    "\\",
    "😀",
    "漢字",
    "e\u{301}",
    "\u{feff}",
    "\0",
];

/// Real configurations: the README's example and the demo workspace's file.
const CONFIGS: &[&str] = &[
    "runbooks = [\"runbook-keys/*/README.md\", \"runbooks/**/*.md\"]\n\n[[key-roots]]\npath = \"keys-assets/node-next-keys\"\nprefix = \"node\"\nimport = \"@/node-keys/\"\n\n[rules]\nmissing-side-effects = \"info\"\n",
    include_str!("../../../tests/fixtures/demo/runbook-ls.toml"),
];

fn toml_text() -> impl Strategy<Value = String> {
    let soup = prop::collection::vec(prop::sample::select(TOML_TOKENS), 0..60).prop_map(|parts| parts.concat());
    let edit = (0.0..=1.0f64, 0usize..20, prop::sample::select(TOML_TOKENS));
    let mutated = (prop::sample::select(CONFIGS), prop::collection::vec(edit, 1..6)).prop_map(|(original, edits)| {
        let mut text = original.to_string();
        for (at, length, insert) in edits {
            let start = floor_char_boundary(&text, (text.len() as f64 * at) as usize);
            let end = floor_char_boundary(&text, start + length);
            text.replace_range(start..end, insert);
        }
        text
    });
    prop_oneof![2 => soup, 2 => mutated, 1 => any::<String>()]
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Setting names: mostly the ones we read, sometimes anything.
fn names() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => prop::sample::select(vec![
            "runbooks", "key-roots", "rules", "runbook-ls", "path", "prefix", "import", "server", "trace",
            "missing-safety", "unknown-key",
        ])
        .prop_map(str::to_string),
        1 => ".{0,6}",
    ]
}

const VALUES: [&str; 11] =
    ["node", "off", "error", "../x", "/etc", "a/[b", "**/*.md", "", "@/node-keys/", "C:\\k", "😀"];

/// Valid TOML documents of any shape over our setting names: the reader
/// must type-check every value (a soup is mostly syntax errors).
fn structured_toml() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(toml::Value::Boolean),
        any::<i64>().prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        prop::sample::select(VALUES.to_vec()).prop_map(|value| toml::Value::String(value.to_string())),
        any::<String>().prop_map(toml::Value::String),
    ];
    let value = leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(toml::Value::Array),
            prop::collection::vec((names(), inner), 0..5)
                .prop_map(|entries| toml::Value::Table(entries.into_iter().collect())),
        ]
    });
    prop::collection::vec((names(), value), 0..6).prop_filter_map("serialisable as TOML", |entries| {
        toml::to_string(&entries.into_iter().collect::<toml::Table>()).ok()
    })
}

/// Arbitrary client settings, biased towards the keys and values we read.
fn settings() -> impl Strategy<Value = Json> {
    let names = names();
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        prop::sample::select(VALUES.to_vec()).prop_map(Json::from),
        ".{0,8}".prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((names.clone(), inner), 0..6)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

/// `runbook-ls.toml` never panics the reader, and every problem range is
/// inside the text, on character boundaries.
fn check_toml(text: &str) -> Result<(), TestCaseError> {
    let (layer, problems) = ConfigLayer::from_toml(text);
    for problem in &problems {
        if let Some(range) = &problem.range {
            prop_assert!(range.start <= range.end && range.end <= text.len(), "{:?}: {}", range, problem.message);
            prop_assert!(
                text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
                "{:?}: {}",
                range,
                problem.message
            );
        }
    }
    config::resolve(&[&layer]);
    Ok(())
}

proptest! {
    #![proptest_config(config(2_500))]

    #[test]
    fn config_of_hostile_toml(text in toml_text()) {
        check_toml(&text)?;
    }

    #[test]
    fn config_of_structured_toml(text in structured_toml()) {
        check_toml(&text)?;
    }

    #[test]
    fn config_of_hostile_settings(settings in settings()) {
        let (layer, problems) = ConfigLayer::from_json(&settings);
        prop_assert!(problems.iter().all(|problem| problem.range.is_none()));
        config::resolve(&[&layer]);
    }
}

/// Nesting as deep as a file can make it (the TOML parser stops it; this
/// keeps it so).
#[test]
fn deep_toml_does_not_overflow_the_stack() {
    let depth = 100_000;
    let texts = [
        format!("runbooks = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
        format!("rules = {}1{}\n", "{a=".repeat(depth), "}".repeat(depth)),
        format!("{}a = 1\n", "rules.".repeat(depth)),
        format!("[{}a]\nb = 1\n", "key-roots.".repeat(depth)),
    ];
    for text in texts {
        check_toml(&text).unwrap();
    }
}
