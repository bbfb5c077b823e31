//! A guard in front of stdin: it reads LSP frames, repairs what can be
//! repaired, drops what cannot, and decodes the rest into the messages the
//! server's loop (`transport`) hands to the LSP service. Clients that split
//! an emoji across two `didChange` frames send lone UTF-16 surrogate escapes
//! (`"\ud83d"`), which JSON parsers reject: those become U+FFFD. A message
//! larger than the size limit is skipped without being buffered, so a lying
//! `Content-Length` costs no memory. A request it drops still gets its
//! JSON-RPC error answer, written through the one writer of stdout that also
//! carries the server's own messages, whole frame by whole frame. Only a
//! broken header ends the session.
//!
//! Each body is decoded once, here. tower-lsp-server's own reader, which an
//! earlier version fed with the checked bodies again, decoded every body a
//! second time (through serde's buffered copy of it, then a `Value` tree)
//! and kept a read buffer as large as the largest message it had seen. With
//! it, the resident memory of the server grew by 0.88 MB for the `didOpen`
//! of a 0.1 MB document before the document reached the server (jemalloc's
//! statistics, in a throwaway build).

use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value as Json, json};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Id, Request, Response};

/// Headers longer than this are not LSP headers.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// The largest message body read by default (`server --max-message-bytes`):
/// far above any real document (the server analyses a few MB live), far
/// below what a client could make us allocate by announcing a length.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// How much of a skipped message is read to find the id of a request to
/// answer (clients write `id` and `method` before the parameters, except
/// those whose JSON objects have no key order: those are not answered).
const OVERSIZED_HEAD_BYTES: usize = 64 * 1024;

/// The most a body is read at once (a pipe's default capacity): see `relay`.
const READ_PIECE_BYTES: usize = 64 * 1024;

/// JSON-RPC 2.0: the body is not JSON.
const PARSE_ERROR: i64 = -32700;
/// JSON-RPC 2.0: the body is JSON but not a request.
const INVALID_REQUEST: i64 = -32600;

/// Why the relay stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum RelayEnd {
    /// The input ended between messages.
    Eof,
    /// A header could not be read; the byte stream cannot be resynchronised.
    BrokenHeader(String),
    /// The server's loop went away.
    OutputClosed,
}

/// A message from the client, decoded as tower-lsp-server decodes one (its
/// `jsonrpc::Message`, which it does not export): an answer to one of the
/// server's requests if the body reads as one, else a request or notification.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Message {
    Response(Response),
    Request(Request),
}

/// What becomes of one message body.
#[derive(Debug, PartialEq)]
enum Checked {
    /// Decodable: relayed to the server, repaired where needed.
    Relay(Message),
    /// Not decodable: dropped, and answered with this frame when it is a
    /// request that says its id.
    Drop(Option<Vec<u8>>),
}

/// Reads frames from `input` and sends their messages to `messages` until
/// the input ends or a header breaks. Bodies longer than `max_message_bytes`
/// are skipped. The error answers to requests it drops go to `answers`, as
/// whole frames for the client.
pub async fn relay<R>(
    input: R,
    messages: mpsc::Sender<Message>,
    answers: mpsc::Sender<Vec<u8>>,
    max_message_bytes: usize,
) -> RelayEnd
where
    R: AsyncRead + Unpin,
{
    let mut input = BufReader::new(input);
    loop {
        let length = match read_header(&mut input).await {
            Ok(Some(length)) => length,
            Ok(None) => return RelayEnd::Eof,
            Err(problem) => {
                tracing::error!("ending the session: {problem}");
                return RelayEnd::BrokenHeader(problem);
            }
        };
        if length > max_message_bytes {
            tracing::error!(
                "skipped a message of {length} bytes: the limit is {max_message_bytes} bytes \
                 (runbook-ls server --max-message-bytes)"
            );
            // Never more than the limit, however small it is set.
            let head_length = length.min(OVERSIZED_HEAD_BYTES).min(max_message_bytes);
            let mut head = Vec::with_capacity(head_length);
            let read = (&mut input).take(head_length as u64).read_to_end(&mut head).await;
            let complete = read.is_ok() && skip(&mut input, length - head.len()).await;
            if let Some(id) = request_id(&String::from_utf8_lossy(&head)) {
                let message = format!(
                    "runbook-ls skipped this request: its body is {length} bytes, more than the limit of \
                     {max_message_bytes} bytes (runbook-ls server --max-message-bytes)"
                );
                let _ = answers.send(error_frame(id, INVALID_REQUEST, &message)).await;
            }
            if !complete {
                return RelayEnd::Eof;
            }
            continue;
        }
        // At most `max_message_bytes`, and the zeroed pages cost memory only
        // as the body arrives. Read in pieces: tokio's stdin reads on a
        // blocking thread into a buffer of its own, as large as the largest
        // read asked of it (up to 2 MiB), which it keeps.
        let mut body = vec![0; length];
        for piece in body.chunks_mut(READ_PIECE_BYTES) {
            if input.read_exact(piece).await.is_err() {
                return RelayEnd::Eof;
            }
        }
        match check(body) {
            Checked::Relay(message) => {
                if messages.send(message).await.is_err() {
                    return RelayEnd::OutputClosed;
                }
            }
            Checked::Drop(Some(answer)) => {
                // The writer lives as long as the session; a send fails only at exit.
                let _ = answers.send(answer).await;
            }
            Checked::Drop(None) => {}
        }
    }
}

/// The way to the writer: each message is serialized once, straight into
/// its frame. Publications and pulled reports are sent from here rather
/// than returned through the LSP service, which turns every message into a
/// `serde_json::Value` tree first, many times the size of its text (a
/// document's 15,000 diagnostics took 44 MB as a tree for 4.6 MB of JSON).
#[derive(Clone)]
pub struct DirectOutput {
    frames: mpsc::Sender<Vec<u8>>,
}

impl DirectOutput {
    pub fn new(frames: mpsc::Sender<Vec<u8>>) -> DirectOutput {
        DirectOutput { frames }
    }

    /// Sends a notification; false when it cannot be serialized or the
    /// writer is gone.
    pub async fn notify<P: serde::Serialize>(&self, method: &str, params: &P) -> bool {
        #[derive(serde::Serialize)]
        struct Notification<'a, P> {
            jsonrpc: &'static str,
            method: &'a str,
            params: &'a P,
        }
        self.send(method, &Notification { jsonrpc: "2.0", method, params }).await
    }

    /// Answers a request with its result; false when the answer cannot be
    /// serialized or the writer is gone.
    pub async fn respond<R: serde::Serialize>(&self, id: &Id, result: &R) -> bool {
        #[derive(serde::Serialize)]
        struct Success<'a, R> {
            jsonrpc: &'static str,
            id: &'a Id,
            result: &'a R,
        }
        self.send("an answer", &Success { jsonrpc: "2.0", id, result }).await
    }

    /// Sends a whole JSON-RPC message (an answer of the LSP service, a
    /// request to the client); false when it cannot be serialized or the
    /// writer is gone.
    pub async fn message(&self, message: &impl serde::Serialize) -> bool {
        self.send("a message", message).await
    }

    async fn send(&self, what: &str, message: &impl serde::Serialize) -> bool {
        match frame_of(message) {
            Ok(frame) => self.frames.send(frame).await.is_ok(),
            Err(error) => {
                tracing::error!("cannot serialize {what}: {error}");
                false
            }
        }
    }
}

/// The frame of a message: its header, then its JSON.
fn frame_of(message: &impl serde::Serialize) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(message).map(framed)
}

/// A body behind its header. The body is moved up behind the header in its
/// own buffer, not copied into a new one: a body can be megabytes.
fn framed(mut body: Vec<u8>) -> Vec<u8> {
    let length = body.len();
    let header = format!("Content-Length: {length}\r\n\r\n");
    body.resize(length + header.len(), 0);
    body.copy_within(..length, header.len());
    body[..header.len()].copy_from_slice(header.as_bytes());
    body
}

/// Writes whole frames to the client until every sender is gone; a burst
/// goes out in as few writes as it fits. Runs on its own thread: stdout is
/// a blocking pipe, and a slow client must not hold up a runtime thread.
pub fn write_frames<W: std::io::Write>(mut frames: mpsc::Receiver<Vec<u8>>, output: W) {
    use std::io::Write as _;
    let mut output = std::io::BufWriter::with_capacity(64 * 1024, output);
    while let Some(frame) = frames.blocking_recv() {
        let mut written = output.write_all(&frame);
        while let (Ok(()), Ok(frame)) = (&written, frames.try_recv()) {
            written = output.write_all(&frame);
        }
        if written.and_then(|()| output.flush()).is_err() {
            tracing::error!("cannot write to the client; stopping output");
            return;
        }
    }
}

/// Reads and drops `length` bytes through the reader's own buffer; returns
/// whether they all came (the frame after them starts in sync).
async fn skip<R: AsyncBufRead + Unpin>(input: &mut R, length: usize) -> bool {
    let length = length as u64;
    let skipped = tokio::io::copy_buf(&mut input.take(length), &mut tokio::io::sink()).await;
    skipped.is_ok_and(|skipped| skipped == length)
}

/// Reads one header block; `Ok(None)` at a clean end of input.
async fn read_header<R: AsyncBufReadExt + Unpin>(input: &mut R) -> Result<Option<usize>, String> {
    let mut length = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let n = (&mut *input)
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|error| format!("cannot read a header: {error}"))?;
        if n == 0 {
            return if first { Ok(None) } else { Err("the input ended inside a header".to_string()) };
        }
        if !line.ends_with(b"\n") {
            return Err(format!("a header line is longer than {MAX_HEADER_LINE} bytes"));
        }
        first = false;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return length.map(Some).ok_or_else(|| "a message has no Content-Length header".to_string());
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("not a header: {line:?}"));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            length = Some(value.parse().map_err(|_| format!("bad Content-Length: {value:?}"))?);
        }
    }
}

/// Whether a body reaches the server, and the answer to it when it does not.
fn check(body: Vec<u8>) -> Checked {
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(error) => {
            tracing::warn!("a message is not UTF-8; invalid bytes replaced by U+FFFD");
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }
    };
    let repaired = repair_lone_surrogates(&text);
    let text = repaired.unwrap_or(text);
    let error = match decode(&text) {
        Ok(message) => return Checked::Relay(message),
        Err(error) => error,
    };
    let preview: String = text.chars().take(200).collect();
    tracing::error!("dropped a message that is not JSON-RPC ({error}): {preview}");
    let Some(id) = request_id(&text) else { return Checked::Drop(None) };
    let answer = if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
        let message = "runbook-ls cannot read this request: it is not a JSON-RPC 2.0 request \
                       (\"jsonrpc\": \"2.0\", a string \"method\", an id, object or array \"params\")";
        error_frame(id, INVALID_REQUEST, message)
    } else {
        error_frame(id, PARSE_ERROR, &format!("runbook-ls cannot read this request: its body is not JSON ({error})"))
    };
    Checked::Drop(Some(answer))
}

/// `serde_json::from_str::<Message>(text)`, without its cost where it can:
/// an untagged enum first copies the whole body into serde's buffer (every
/// string with an escape, such as a document's text, copied again) to try
/// `Response` on it, then builds the `Request` from that copy. A body
/// without a top-level `result` or `error` key cannot be a `Response`
/// (those need one of them), so it is read as a `Request` directly. Anything
/// else, and any body that does not read as a `Request`, goes the untagged
/// way, so the answer is the same (see `fuzz`'s `decode_as_tower_lsp_server`).
pub(crate) fn decode(text: &str) -> serde_json::Result<Message> {
    /// Whether the keys an answer needs are there, whatever their values
    /// (`null` too); nothing is copied.
    #[derive(Deserialize)]
    struct AnswerKeys {
        #[serde(default, deserialize_with = "present")]
        result: bool,
        #[serde(default, deserialize_with = "present")]
        error: bool,
    }

    fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
    }

    if let Ok(AnswerKeys { result: false, error: false }) = serde_json::from_str(text)
        && let Ok(request) = serde_json::from_str::<Request>(text)
    {
        return Ok(Message::Request(request));
    }
    serde_json::from_str::<Message>(text)
}

/// The id of a request, read as far as `text` is JSON: the number or string
/// under the key `id` of a top-level object that has a `method` key. An
/// object with `result` or `error` is an answer to one of the server's own
/// requests: answering it would confuse the client, so it has no id here.
fn request_id(text: &str) -> Option<Json> {
    let mut scanner = Scanner::new(text, &ScannerOptions::default());
    let mut tokens = std::iter::from_fn(move || scanner.scan().ok().flatten())
        .filter(|token| !matches!(token, Token::CommentLine(_) | Token::CommentBlock(_)));
    if tokens.next() != Some(Token::OpenBrace) {
        return None;
    }
    let (mut depth, mut expecting_key, mut key) = (1usize, true, None);
    let (mut id, mut has_method) = (None, false);
    for token in tokens {
        match token {
            Token::OpenBrace | Token::OpenBracket => depth += 1,
            Token::CloseBrace | Token::CloseBracket if depth == 1 => break,
            Token::CloseBrace | Token::CloseBracket => depth -= 1,
            _ if depth > 1 => {}
            Token::Comma => (expecting_key, key) = (true, None),
            Token::String(name) if expecting_key => {
                match name.as_ref() {
                    "result" | "error" => return None,
                    "method" => has_method = true,
                    _ => {}
                }
                (expecting_key, key) = (false, Some(name));
            }
            Token::String(value) if key.as_deref() == Some("id") => id = Some(Json::String(value.into_owned())),
            Token::Number(number) if key.as_deref() == Some("id") => {
                id = serde_json::from_str::<serde_json::Number>(number).ok().map(Json::Number);
            }
            _ => {}
        }
    }
    id.filter(|_| has_method)
}

/// A JSON-RPC error response, framed.
fn error_frame(id: Json, code: i64, message: &str) -> Vec<u8> {
    framed(
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }).to_string().into_bytes(),
    )
}

/// Replaces `\uXXXX` escapes of unpaired UTF-16 surrogates inside JSON strings
/// by `\ufffd`. `None` when there is nothing to repair.
fn repair_lone_surrogates(json: &str) -> Option<String> {
    if !json.contains("\\u") && !json.contains("\\U") {
        return None;
    }
    let bytes = json.as_bytes();
    let mut repairs: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if let Some(unit) = escape_unit(bytes, i) {
                    if (0xD800..0xDC00).contains(&unit) {
                        let low = escape_unit(bytes, i + 6).filter(|low| (0xDC00..0xE000).contains(low));
                        if low.is_some() {
                            i += 12;
                            continue;
                        }
                        repairs.push(i);
                    } else if (0xDC00..0xE000).contains(&unit) {
                        repairs.push(i);
                    }
                    i += 6;
                    continue;
                }
                i += 2; // Any other escape, including `\\` and `\"`.
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if repairs.is_empty() {
        return None;
    }
    tracing::warn!("replaced {} lone surrogate escape(s) by U+FFFD", repairs.len());
    let mut repaired = String::with_capacity(json.len());
    let mut last = 0;
    for at in repairs {
        repaired.push_str(&json[last..at]);
        repaired.push_str("\\ufffd");
        last = at + 6;
    }
    repaired.push_str(&json[last..]);
    Some(repaired)
}

/// The code unit of a `\uXXXX` escape starting at `at`.
fn escape_unit(bytes: &[u8], at: usize) -> Option<u32> {
    if bytes.get(at) != Some(&b'\\') || !matches!(bytes.get(at + 1), Some(b'u' | b'U')) {
        return None;
    }
    let hex = std::str::from_utf8(bytes.get(at + 2..at + 6)?).ok()?;
    u32::from_str_radix(hex, 16).ok()
}

/// Runs `relay` over `input` until it stops: the messages it gives the
/// server (as JSON), the frames of the answers it writes to the client, and
/// why it stopped. For the tests here and in `fuzz`.
#[cfg(test)]
pub(crate) async fn relay_to_end<R: AsyncRead + Unpin>(
    input: R,
    max_message_bytes: usize,
) -> (Vec<Json>, Vec<Vec<u8>>, RelayEnd) {
    let (answer_sender, mut answer_receiver) = mpsc::channel(4);
    let (message_sender, mut message_receiver) = mpsc::channel(4);
    let answers = async {
        let mut frames = Vec::new();
        while let Some(frame) = answer_receiver.recv().await {
            frames.push(frame);
        }
        frames
    };
    let messages = async {
        let mut messages = Vec::new();
        while let Some(message) = message_receiver.recv().await {
            messages.push(serde_json::to_value(&message).expect("a message serializes"));
        }
        messages
    };
    let (end, answers, messages) =
        tokio::join!(relay(input, message_sender, answer_sender, max_message_bytes), answers, messages);
    (messages, answers, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    async fn run(input: &str) -> (Vec<Json>, RelayEnd) {
        run_with_limit(input, DEFAULT_MAX_MESSAGE_BYTES).await
    }

    async fn run_with_limit(input: &str, max_message_bytes: usize) -> (Vec<Json>, RelayEnd) {
        let (messages, _, end) = relay_all(input.as_bytes(), max_message_bytes).await;
        (messages, end)
    }

    /// The messages as JSON.
    fn json(bodies: &[&str]) -> Vec<Json> {
        bodies.iter().map(|body| serde_json::from_str(body).unwrap()).collect()
    }

    /// What the relay gives the server (as JSON), the answers it writes to
    /// the client (bodies), and why it stopped.
    async fn relay_all<R: AsyncRead + Unpin>(input: R, max_message_bytes: usize) -> (Vec<Json>, Vec<Json>, RelayEnd) {
        let (messages, frames, end) = relay_to_end(input, max_message_bytes).await;
        let answers = frames
            .into_iter()
            .map(|frame| {
                let frame = String::from_utf8(frame).unwrap();
                let (header, body) = frame.split_once("\r\n\r\n").unwrap();
                assert_eq!(header, format!("Content-Length: {}", body.len()));
                serde_json::from_str(body).unwrap()
            })
            .collect();
        (messages, answers, end)
    }

    /// A reader that notes the largest read asked of it.
    struct Noting<'a> {
        input: &'a [u8],
        largest: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl AsyncRead for Noting<'_> {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.largest.fetch_max(buf.remaining(), std::sync::atomic::Ordering::Relaxed);
            std::pin::Pin::new(&mut self.input).poll_read(cx, buf)
        }
    }

    #[tokio::test]
    async fn a_large_body_is_read_in_pieces() {
        // tokio's stdin keeps a buffer as large as the largest read: a 3 MB
        // document's didOpen left 2 MiB behind.
        let text = "x".repeat(3 * 1024 * 1024);
        let body = serde_json::json!({"jsonrpc": "2.0", "method": "m", "params": {"text": text}}).to_string();
        let input = frame(&body);
        let largest = std::sync::Arc::default();
        let noting = Noting { input: input.as_bytes(), largest: std::sync::Arc::clone(&largest) };
        let (messages, _, end) = relay_all(noting, DEFAULT_MAX_MESSAGE_BYTES).await;
        assert_eq!((messages.len(), end), (1, RelayEnd::Eof));
        assert_eq!(messages[0]["params"]["text"].as_str().map(str::len), Some(text.len()));
        let largest = largest.load(std::sync::atomic::Ordering::Relaxed);
        assert!(largest <= 64 * 1024, "a read of {largest} bytes");
    }

    #[test]
    fn repairs_only_unpaired_surrogates() {
        assert_eq!(repair_lone_surrogates(r#"{"a":"x\ud83dy"}"#).as_deref(), Some(r#"{"a":"x\ufffdy"}"#));
        assert_eq!(repair_lone_surrogates(r#"{"a":"\ude00"}"#).as_deref(), Some(r#"{"a":"\ufffd"}"#));
        assert_eq!(repair_lone_surrogates(r#"{"a":"\ud83d\ude00"}"#), None);
        assert_eq!(repair_lone_surrogates(r#"{"a":"\\ud83d"}"#), None, "an escaped backslash is not an escape");
        assert_eq!(repair_lone_surrogates(r#"{"a":"\u0041"}"#), None);
        assert_eq!(repair_lone_surrogates(r#"{"a":"\ud83d\u0041"}"#).as_deref(), Some(r#"{"a":"\ufffd\u0041"}"#));
    }

    #[tokio::test]
    async fn keeps_going_after_bad_bodies() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let surrogate = r#"{"jsonrpc":"2.0","method":"x","params":{"t":"\ud83d"}}"#;
        let input =
            [frame(good), frame("{not json"), frame(r#"{"jsonrpc":"1.0"}"#), frame(surrogate), frame(good)].concat();
        let (output, end) = run(&input).await;
        assert_eq!(end, RelayEnd::Eof);
        let expected_surrogate = r#"{"jsonrpc":"2.0","method":"x","params":{"t":"\ufffd"}}"#;
        assert_eq!(output, json(&[good, expected_surrogate, good]));
    }

    #[tokio::test]
    async fn a_broken_header_ends_the_session() {
        let (_, end) = run("Content-Length: x\r\n\r\n{}").await;
        assert!(matches!(end, RelayEnd::BrokenHeader(_)));
        let (_, end) = run("Content-Type: a\r\n\r\n{}").await;
        assert!(matches!(end, RelayEnd::BrokenHeader(_)));
        let (_, end) = run("").await;
        assert_eq!(end, RelayEnd::Eof);
    }

    #[tokio::test]
    async fn a_length_beyond_the_limit_is_skipped_not_allocated() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        for length in ["99999999999999", "18446744073709551615"] {
            let input = format!("Content-Length: {length}\r\n\r\n{good}");
            let (output, end) = run(&input).await;
            assert_eq!((output, end), (Vec::new(), RelayEnd::Eof), "{length}");
        }
        // Beyond u64: no stream could deliver it; the header is broken.
        let (_, end) = run("Content-Length: 99999999999999999999999\r\n\r\n{}").await;
        assert!(matches!(end, RelayEnd::BrokenHeader(_)));
    }

    #[tokio::test]
    async fn an_oversized_message_is_skipped_exactly_and_the_next_one_relayed() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let big = format!(r#"{{"jsonrpc":"2.0","method":"x","params":{{"t":"{}"}}}}"#, "x".repeat(100));
        let input = [frame(good), frame(&big), frame(good)].concat();
        let (output, end) = run_with_limit(&input, 64).await;
        assert_eq!(end, RelayEnd::Eof);
        assert_eq!(output, json(&[good, good]));
        // A body exactly at the limit passes.
        let (output, _) = run_with_limit(&frame(good), good.len()).await;
        assert_eq!(output, json(&[good]));
    }

    #[tokio::test]
    async fn requests_that_are_dropped_are_answered() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":41,"method":"textDocument/hover","params":{"#),
            frame(r#"{"jsonrpc":"1.0","id":"x-42","method":"textDocument/hover"}"#),
            frame(r#"{"jsonrpc":"2.0","id":43,"method":7}"#),
            // Not requests: nobody to answer, or an answer to the server.
            frame(r#"{"jsonrpc":"2.0","method":"x","params":"#),
            frame(r#"{"jsonrpc":"2.0","id":44,"result":"#),
            frame(r#"[{"jsonrpc":"2.0","id":46,"method":"x"}]"#),
            frame(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#),
        ]
        .concat();
        let (output, answers, end) = relay_all(input.as_bytes(), DEFAULT_MAX_MESSAGE_BYTES).await;
        assert_eq!((output, end), (Vec::new(), RelayEnd::Eof));
        let codes: Vec<(Json, Json)> =
            answers.iter().map(|answer| (answer["id"].clone(), answer["error"]["code"].clone())).collect();
        assert_eq!(codes, [(json!(41), json!(-32700)), (json!("x-42"), json!(-32600)), (json!(43), json!(-32600))]);
        assert!(answers.iter().all(|answer| answer["jsonrpc"] == "2.0"));
    }

    #[tokio::test]
    async fn an_oversized_request_is_answered_from_its_head() {
        let big = format!(r#"{{"jsonrpc":"2.0","id":9,"method":"x","params":{{"t":"{}"}}}}"#, "x".repeat(100));
        let notification = format!(r#"{{"jsonrpc":"2.0","method":"x","params":{{"t":"{}"}}}}"#, "x".repeat(100));
        let input = [frame(&big), frame(&notification)].concat();
        let (output, answers, end) = relay_all(input.as_bytes(), 64).await;
        assert_eq!((output, end), (Vec::new(), RelayEnd::Eof));
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!((&answers[0]["id"], &answers[0]["error"]["code"]), (&json!(9), &json!(-32600)));
    }

    #[tokio::test]
    async fn direct_messages_are_whole_frames_of_the_message() {
        let (sender, mut frames) = mpsc::channel(4);
        let output = DirectOutput::new(sender);
        let params = json!({ "uri": "file:///r.md", "diagnostics": [{ "message": "é \\ \"" }] });
        assert!(output.notify("textDocument/publishDiagnostics", &params).await);
        let frame = String::from_utf8(frames.recv().await.unwrap()).unwrap();
        let (header, body) = frame.split_once("\r\n\r\n").unwrap();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        let body: Json = serde_json::from_str(body).unwrap();
        assert_eq!(body, json!({ "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params }));
        assert!(output.respond(&Id::Number(7), &params).await);
        let frame = String::from_utf8(frames.recv().await.unwrap()).unwrap();
        let (_, body) = frame.split_once("\r\n\r\n").unwrap();
        let body: Json = serde_json::from_str(body).unwrap();
        assert_eq!(body, json!({ "jsonrpc": "2.0", "id": 7, "result": params }));
        drop(frames);
        assert!(!output.notify("x", &params).await, "the writer is gone");
    }

    #[tokio::test]
    async fn the_head_read_of_an_oversized_message_stays_within_the_limit() {
        // The id is in the first 64 bytes, the method after them: with a
        // limit of 64 the head read to find them is 64 bytes, not 64 KiB;
        // with 85 it holds both.
        let padding = "x".repeat(40);
        let big = format!(r#"{{"id":9,"jsonrpc":"2.0","pad":"{padding}","method":"x"}}"#);
        assert_eq!(big.len(), 86);
        let (_, answers, end) = relay_all(frame(&big).as_bytes(), 64).await;
        assert_eq!((answers.len(), end), (0, RelayEnd::Eof), "{answers:?}");
        let (_, answers, _) = relay_all(frame(&big).as_bytes(), 85).await;
        assert_eq!(answers.len(), 1, "{answers:?}");
    }

    /// A `Write` the test can read after the writer thread is done.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writer_keeps_frames_whole() {
        let (sender, receiver) = mpsc::channel(2);
        let written = Shared::default();
        let writer = {
            let written = written.clone();
            std::thread::spawn(move || write_frames(receiver, written))
        };
        let bodies: Vec<String> = (0..50).map(|i| format!(r#"{{"n":{i},"pad":"{}"}}"#, "y".repeat(i * 7))).collect();
        let server_writes = {
            let sender = sender.clone();
            async move {
                for body in &bodies {
                    sender.send(frame(body).into_bytes()).await.unwrap();
                }
            }
        };
        let answers = async move {
            for i in 0..50 {
                sender.send(error_frame(json!(i), PARSE_ERROR, "no")).await.unwrap();
            }
        };
        tokio::join!(server_writes, answers);
        tokio::task::spawn_blocking(move || writer.join().unwrap()).await.unwrap();
        let written = written.0.lock().unwrap().clone();
        let mut reader = BufReader::new(written.as_slice());
        let (mut n, mut ns) = (0, Vec::new());
        while let Ok(Some(length)) = read_header(&mut reader).await {
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            let message: Json = serde_json::from_slice(&body).unwrap();
            ns.extend(message["n"].as_u64());
            n += 1;
        }
        assert_eq!(n, 100);
        assert_eq!(ns, (0..50).collect::<Vec<u64>>(), "the server's own messages keep their order");
    }
}
