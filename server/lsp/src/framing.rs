//! A guard in front of stdin: it reads LSP frames, repairs what can be
//! repaired and drops what cannot, and hands only well-formed messages to
//! tower-lsp-server, whose reader ends the whole session after a single body
//! it cannot decode. Clients that split an emoji across two `didChange`
//! frames send lone UTF-16 surrogate escapes (`"\ud83d"`), which JSON parsers
//! reject: those become U+FFFD. A message larger than the size limit is
//! skipped without being buffered, so a lying `Content-Length` costs no
//! memory. Only a broken header ends the session.

use serde::Deserialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Headers longer than this are not LSP headers.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// The largest message body read by default (`server --max-message-bytes`):
/// far above any real document (the server analyses a few MB live), far
/// below what a client could make us allocate by announcing a length.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Why the relay stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum RelayEnd {
    /// The input ended between messages.
    Eof,
    /// A header could not be read; the byte stream cannot be resynchronised.
    BrokenHeader(String),
    /// The output side went away.
    OutputClosed,
}

/// The shape tower-lsp-server decodes; a body that fits it reaches the server.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Message {
    Response(Response),
    Request(Request),
}

/// Copies frames from `input` to `output` until the input ends or a header
/// breaks. Bodies longer than `max_message_bytes` are skipped.
pub async fn relay<R, W>(input: R, mut output: W, max_message_bytes: usize) -> RelayEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
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
            if !skip(&mut input, length).await {
                return RelayEnd::Eof;
            }
            continue;
        }
        // At most `max_message_bytes`, and the zeroed pages cost memory only
        // as the body arrives.
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return RelayEnd::Eof;
        }
        let Some(body) = sanitize(body) else { continue };
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        if output.write_all(frame.as_bytes()).await.is_err() || output.flush().await.is_err() {
            return RelayEnd::OutputClosed;
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

/// The body to forward, or `None` (logged) when it cannot be made decodable.
fn sanitize(body: Vec<u8>) -> Option<String> {
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(error) => {
            tracing::warn!("a message is not UTF-8; invalid bytes replaced by U+FFFD");
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        }
    };
    let repaired = repair_lone_surrogates(&text);
    let text = repaired.unwrap_or(text);
    match serde_json::from_str::<Message>(&text) {
        Ok(_) => Some(text),
        Err(error) => {
            let preview: String = text.chars().take(200).collect();
            tracing::error!("dropped a message that is not JSON-RPC ({error}): {preview}");
            None
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    async fn run(input: &str) -> (String, RelayEnd) {
        run_with_limit(input, DEFAULT_MAX_MESSAGE_BYTES).await
    }

    async fn run_with_limit(input: &str, max_message_bytes: usize) -> (String, RelayEnd) {
        let mut output = Vec::new();
        let end = relay(input.as_bytes(), &mut output, max_message_bytes).await;
        (String::from_utf8(output).unwrap(), end)
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
        assert_eq!(output, [frame(good), frame(expected_surrogate), frame(good)].concat());
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
            assert_eq!((output.as_str(), end), ("", RelayEnd::Eof), "{length}");
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
        assert_eq!(output, [frame(good), frame(good)].concat());
        // A body exactly at the limit passes.
        let (output, _) = run_with_limit(&frame(good), good.len()).await;
        assert_eq!(output, frame(good));
    }
}
