//! End-to-end: input a hostile or broken client sends (lying frame headers,
//! oversized and malformed messages) never ends the session, and requests
//! among them still get answers.

use runbook_ls_tests::{ClientOptions, LspClient};
use serde_json::{Value, json};

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn did_open(uri: &str, text: &str) -> String {
    json!({
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": { "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } },
    })
    .to_string()
}

fn symbols(client: &mut LspClient, uri: &str) -> Value {
    client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }))
}

#[test]
fn an_announced_length_beyond_memory_neither_aborts_nor_panics() {
    for length in ["99999999999999", "18446744073709551615"] {
        let (mut client, _) = LspClient::start(ClientOptions::default());
        assert_eq!(symbols(&mut client, "file:///nowhere.md"), Value::Null);
        client.send_raw(format!("Content-Length: {length}\r\n\r\n{{\"jsonrpc\":\"2.0\"").as_bytes());
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(client.is_alive(), "Content-Length: {length} ended the server");
        // The announced bytes never come: the input ends inside the message,
        // which ends the session like any end of input without `exit` (1),
        // not a signal.
        let status = client.close_input();
        assert_eq!(status.code(), Some(1), "Content-Length: {length}: {status}");
    }
}

#[test]
fn an_oversized_message_is_skipped_and_the_next_one_served() {
    let (mut client, _) = LspClient::start(ClientOptions {
        server_args: ["server", "--max-message-bytes", "4096"].map(String::from).to_vec(),
        ..ClientOptions::default()
    });
    let big = format!("# Big\n\n{}\n", "x".repeat(8 * 1024));
    client.send_raw(&frame(&did_open("file:///big.md", &big)));
    client.send_raw(&frame(&did_open("file:///small.md", "# Small\n")));
    assert_eq!(symbols(&mut client, "file:///big.md"), Value::Null);
    assert_eq!(symbols(&mut client, "file:///small.md")[0]["name"], "Small");
    assert!(client.shutdown().success());
}

#[test]
fn malformed_requests_with_an_id_get_an_error_answer() {
    let (mut client, _) = LspClient::start(ClientOptions::default());
    client.send_raw(&frame(r#"{"jsonrpc":"2.0","id":41,"method":"textDocument/hover","params":{"#));
    client.send_raw(&frame(r#"{"jsonrpc":"1.0","id":"x-42","method":"textDocument/hover"}"#));
    client.send_raw(&frame(r#"{"jsonrpc":"2.0","id":43,"method":7}"#));
    // No id (a notification), or a result (a broken answer to one of the
    // server's own requests): there is nobody to answer.
    client.send_raw(&frame(r#"{"jsonrpc":"2.0","method":"x","params":"#));
    client.send_raw(&frame(r#"{"jsonrpc":"2.0","id":44,"result":"#));
    assert_eq!(client.response_message(&json!(41))["error"]["code"], -32700);
    assert_eq!(client.response_message(&json!("x-42"))["error"]["code"], -32600);
    assert_eq!(client.response_message(&json!(43))["error"]["code"], -32600);
    assert_eq!(symbols(&mut client, "file:///nowhere.md"), Value::Null);
    assert!(client.stray_responses.is_empty(), "{:?}", client.stray_responses);
    assert!(client.shutdown().success());
}

#[test]
fn an_oversized_request_gets_an_error_answer() {
    let (mut client, _) = LspClient::start(ClientOptions {
        server_args: ["server", "--max-message-bytes", "4096"].map(String::from).to_vec(),
        ..ClientOptions::default()
    });
    let padding = "x".repeat(8 * 1024);
    let request = json!({ "jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": { "pad": padding } });
    client.send_raw(&frame(&request.to_string()));
    let answer = client.response_message(&json!(7));
    assert_eq!(answer["error"]["code"], -32600);
    assert!(answer["error"]["message"].as_str().unwrap().contains("4096"), "{answer}");
    assert!(client.shutdown().success());
}

/// The answers the input guard writes and the server's own messages share
/// stdout: a burst of both must still read as whole frames.
#[test]
fn error_answers_never_split_the_servers_own_messages() {
    let (mut client, _) = LspClient::start(ClientOptions::default());
    let uri = "file:///burst.md";
    let text: String = (1..=60).map(|n| format!("### Action {n}: Go\n\n")).collect();
    client.open(uri, &text);
    let n = 150;
    for i in 0..n {
        let change = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": uri, "version": i + 2 }, "contentChanges": [{ "text": text }] },
        });
        client.send_raw(&frame(&change.to_string()));
        client.send_raw(&frame(&format!(r#"{{"jsonrpc":"2.0","id":{},"method":"x","params":{{"#, 1000 + i)));
    }
    for i in 0..n {
        assert_eq!(client.response_message(&json!(1000 + i))["error"]["code"], -32700);
    }
    assert!(!client.diagnostics(uri, n + 1).is_empty());
    assert!(client.shutdown().success());
}
