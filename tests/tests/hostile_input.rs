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
