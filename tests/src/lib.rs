//! A JSON-RPC client that drives the built `runbook-ls` binary over stdio the
//! way an editor does, for the end-to-end tests and the benchmark harness.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod bench;
pub mod text;

/// How long a test waits for any one answer before failing.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The token prefix of the server's index progress.
pub const INDEX_PROGRESS: &str = "runbook-ls/index/";
/// The token prefix of the progress of the runbooks parsed in the background
/// once the index is ready.
pub const PARSE_PROGRESS: &str = "runbook-ls/parse/";

/// Whether `$/progress` params are the `kind` (`begin`, `end`) of a progress
/// whose token starts with `token_prefix`.
pub fn is_progress(params: &Value, token_prefix: &str, kind: &str) -> bool {
    params["token"].as_str().is_some_and(|token| token.starts_with(token_prefix)) && params["value"]["kind"] == kind
}

/// The findings `runbook-ls check --format json ARGS` prints, run in `cwd`:
/// it exits 0 without errors and 1 with some; anything else fails the test.
pub fn check_findings(cwd: &Path, args: &[&str]) -> Vec<Value> {
    let output = Command::new(server_binary())
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runbook-ls runs");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let findings: Value = serde_json::from_slice(&output.stdout).expect("JSON findings");
    findings.as_array().cloned().expect("an array of findings")
}

/// The `runbook-ls` binary of this build profile, built (or brought up to
/// date) once per test process, so that a test never runs a stale binary.
pub fn server_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Ok(path) = std::env::var("RUNBOOK_LS_BIN") {
                return PathBuf::from(path);
            }
            let profile_dir = profile_dir();
            let target_dir = profile_dir.parent().expect("the profile folder is inside the target folder");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
            let mut build = Command::new(cargo);
            build.args(["build", "--quiet", "-p", "runbook-ls", "--bin", "runbook-ls", "--target-dir"]);
            build.arg(target_dir);
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            }
            build.current_dir(workspace_dir());
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building runbook-ls failed");
            profile_dir.join(format!("runbook-ls{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// `<target>/<profile>/` of the running executable: test executables live in
/// its `deps/` folder, binaries run by `cargo run` (the benchmark) in the
/// folder itself.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the executable has a path");
    let folder = exe.parent().expect("the executable is in a folder");
    let profile = if folder.file_name().is_some_and(|name| name == "deps") { folder.parent() } else { Some(folder) };
    profile.expect("executables run from <target>/<profile>[/deps]").to_path_buf()
}

/// The cargo target folder of the running executable (for the benchmark's report).
pub fn target_dir() -> PathBuf {
    profile_dir().parent().expect("the profile folder is inside the target folder").to_path_buf()
}

/// The build profile of the running executable (`debug` or `release`), which
/// is also the profile of the server it drives.
pub fn profile_name() -> String {
    profile_dir().file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The repository root.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the repository").to_path_buf()
}

/// The bundled demo workspace.
pub fn demo_dir() -> PathBuf {
    workspace_dir().join("tests/fixtures/demo")
}

/// A server started on a scratch copy of the demo workspace, with default
/// options, and that copy.
pub fn demo_session() -> (TempWorkspace, LspClient) {
    let workspace = TempWorkspace::copy_of(&demo_dir());
    let (client, _) =
        LspClient::start(ClientOptions { root: Some(workspace.root.clone()), ..ClientOptions::default() });
    (workspace, client)
}

pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(byte as char),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// What the client tells the server at `initialize`.
pub struct ClientOptions {
    pub root: Option<PathBuf>,
    /// `["utf-8", "utf-16"]`, or empty for a client that offers nothing (UTF-16).
    pub position_encodings: Vec<&'static str>,
    pub initialization_options: Value,
    /// Whether the client can register file watchers dynamically.
    pub watch_files: bool,
    pub work_done_progress: bool,
    /// Whether the client answers `workspace/configuration` (Helix does not).
    pub workspace_configuration: bool,
    /// `completionItem.snippetSupport`.
    pub snippet_support: bool,
    /// More client capabilities, merged over the ones above (objects merge
    /// key by key), e.g. `{"textDocument": {"definition": {"linkSupport": true}}}`.
    pub extra_capabilities: Value,
    /// The server's command-line arguments (none: LSP on stdio with defaults).
    pub server_args: Vec<String>,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            root: None,
            position_encodings: vec!["utf-16"],
            initialization_options: Value::Null,
            watch_files: true,
            work_done_progress: true,
            workspace_configuration: true,
            snippet_support: true,
            extra_capabilities: Value::Null,
            server_args: Vec::new(),
        }
    }
}

/// `patch` merged into `base`: objects key by key, anything else replaced.
pub fn merge_json(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge_json(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (_, Value::Null) => {}
        (base, patch) => *base = patch.clone(),
    }
}

pub struct LspClient {
    child: Child,
    /// `None` once the test closed the server's input.
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Server-to-client notifications not yet consumed by a test.
    pub notifications: Vec<Value>,
    /// Responses to requests the client did not send through `request`
    /// (raw frames), not yet consumed by a test.
    pub stray_responses: Vec<Value>,
    /// Requests the server sent us (already answered).
    pub server_requests: Vec<Value>,
    next_id: i64,
    /// What to answer `workspace/configuration` with.
    pub configuration: Value,
    /// What to answer other server requests with, by method (`null` otherwise).
    pub answers: std::collections::HashMap<String, Value>,
    /// When `initialized` was sent (the benchmark times the index from it).
    initialized_at: Instant,
}

impl LspClient {
    /// Starts the server and completes the `initialize` handshake.
    pub fn start(options: ClientOptions) -> (LspClient, Value) {
        let mut command = Command::new(server_binary());
        command.args(&options.server_args);
        // Quiet unless a test run asks for the server's logs.
        if std::env::var_os("RUNBOOK_LS_LOG").is_none() {
            command.env("RUNBOOK_LS_LOG", "off");
        }
        command.stderr(Stdio::inherit());
        LspClient::start_command(command, options)
    }

    /// Starts another language server (the benchmark's peers) and completes
    /// the same handshake.
    pub fn start_command(mut command: Command, options: ClientOptions) -> (LspClient, Value) {
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("the server starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = LspClient {
            child,
            stdin: Some(stdin),
            messages,
            notifications: Vec::new(),
            stray_responses: Vec::new(),
            server_requests: Vec::new(),
            next_id: 1,
            configuration: Value::Null,
            answers: std::collections::HashMap::new(),
            initialized_at: Instant::now(),
        };
        let root_uri = options.root.as_deref().map(file_uri);
        let folders = options.root.as_deref().map(|root| {
            json!([{ "uri": file_uri(root), "name": root.file_name().map(|name| name.to_string_lossy().into_owned()) }])
        });
        let mut capabilities = json!({
            "general": { "positionEncodings": options.position_encodings },
            "window": { "workDoneProgress": options.work_done_progress },
            "workspace": {
                "configuration": options.workspace_configuration,
                "didChangeWatchedFiles": { "dynamicRegistration": options.watch_files },
            },
            "textDocument": {
                "publishDiagnostics": { "versionSupport": true, "relatedInformation": true },
                "completion": { "completionItem": { "snippetSupport": options.snippet_support } },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
                "documentSymbol": { "hierarchicalDocumentSymbolSupport": true },
            },
        });
        merge_json(&mut capabilities, &options.extra_capabilities);
        let result = client.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "workspaceFolders": folders,
                "initializationOptions": options.initialization_options,
                "capabilities": capabilities,
            }),
        );
        client.initialized_at = Instant::now();
        client.notify("initialized", json!({}));
        (client, result)
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("the server's input is open");
        stdin.write_all(bytes).expect("the server reads its stdin");
        stdin.flush().expect("the server reads its stdin");
    }

    /// Closes the server's input, as a client that goes away without
    /// `shutdown` does, and waits for it to exit.
    pub fn close_input(mut self) -> std::process::ExitStatus {
        self.stdin = None;
        self.wait_for_exit()
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("JSON serialises");
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&with_params(json!({ "jsonrpc": "2.0", "method": method }), params));
    }

    /// Sends a request and waits for its answer: `Ok(result)` or `Err(error)`.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Sends a request without waiting for its answer (so that more messages
    /// can follow it); returns its id for `response`.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&with_params(json!({ "jsonrpc": "2.0", "id": id, "method": method }), params));
        id
    }

    /// Waits for the answer to the request `id`: `Ok(result)` or `Err(error)`.
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let response = self.response_message(&json!(id));
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_raw(method, params).unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Waits for a message matching `wanted`, answering server requests and
    /// keeping notifications on the way.
    fn wait_for(&mut self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.messages.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => panic!("no answer from the server within {timeout:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its stdout"),
            };
            if wanted(&message) {
                return message;
            }
            self.handle(message);
        }
    }

    fn handle(&mut self, message: Value) {
        match (message.get("id"), message.get("method").and_then(Value::as_str)) {
            (Some(id), Some(method)) => {
                let result = match method {
                    "workspace/configuration" => {
                        let n = message["params"]["items"].as_array().map_or(1, Vec::len);
                        Value::Array(vec![self.configuration.clone(); n])
                    }
                    _ => self.answers.get(method).cloned().unwrap_or(Value::Null),
                };
                let id = id.clone();
                self.server_requests.push(message);
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
            }
            (None, Some(_)) => self.notifications.push(message),
            (Some(_), None) => self.stray_responses.push(message),
            _ => {}
        }
    }

    /// Waits for the whole response message with this `id` (any JSON id,
    /// e.g. of a request written with `send_raw`).
    pub fn response_message(&mut self, id: &Value) -> Value {
        if let Some(index) = self.stray_responses.iter().position(|response| response["id"] == *id) {
            return self.stray_responses.remove(index);
        }
        self.wait_for(TIMEOUT, |message| message.get("id") == Some(id) && message.get("method").is_none())
    }

    /// Waits for a request of the server (answered as `handle` does), which
    /// may have arrived already; returns it.
    pub fn wait_for_request(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(index) = self.server_requests.iter().position(|request| request["method"] == method) {
                return self.server_requests.remove(index);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) => self.handle(message),
                Err(_) => panic!("no {method} request from the server within {TIMEOUT:?}"),
            }
        }
    }

    /// Waits for a notification matching `wanted` (which may have arrived already).
    pub fn wait_for_notification(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_notification_within(TIMEOUT, method, wanted)
    }

    /// `wait_for_notification` with another timeout than the tests' (the
    /// benchmark's large workspaces take longer to index).
    pub fn wait_for_notification_within(
        &mut self,
        timeout: Duration,
        method: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        // The params are moved out, not cloned: a deep copy of a large
        // publication would add to every timed edit of the benchmark.
        if let Some(index) = self.notifications.iter().position(|n| n["method"] == method && wanted(&n["params"])) {
            return self.notifications.remove(index)["params"].take();
        }
        self.wait_for(timeout, |message| {
            message["method"] == method && message.get("id").is_none() && wanted(&message["params"])
        })["params"]
            .take()
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let published = self.wait_for_notification("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri && params["version"] == version
        });
        published["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the diagnostics published for `uri` satisfy `done` (the
    /// index builds in the background and file changes are picked up
    /// asynchronously, so the first publications may come before them).
    pub fn diagnostics_until(&mut self, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let published =
                self.wait_for_notification("textDocument/publishDiagnostics", |params| params["uri"] == uri);
            let diagnostics = published["diagnostics"].as_array().cloned().unwrap_or_default();
            if done(&diagnostics) {
                return diagnostics;
            }
            assert!(Instant::now() < deadline, "diagnostics never got there: {diagnostics:#?}");
        }
    }

    /// The next notification from the server, answering its requests on the
    /// way; `None` when none came within `timeout` (the benchmark's paced
    /// typing reads publications as they arrive).
    pub fn next_notification(&mut self, timeout: Duration) -> Option<Value> {
        if !self.notifications.is_empty() {
            return Some(self.notifications.remove(0));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let message = match self.messages.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its stdout"),
            };
            if message.get("id").is_none() && message.get("method").is_some() {
                return Some(message);
            }
            self.handle(message);
        }
    }

    /// Keeps answering server requests for `duration` (e.g. to let a
    /// background index finish its handshakes).
    pub fn pump(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while let Ok(message) = self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            self.handle(message);
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } }),
        );
    }

    /// The server's process id (the benchmark reads its peak memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// When `initialized` was sent.
    pub fn initialized_at(&self) -> Instant {
        self.initialized_at
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    /// `shutdown` then `exit`; returns the exit status.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_for_exit()
    }

    fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited on") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit within {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message with its params; `null` params are left out, as JSON-RPC 2.0
/// wants (`shutdown` and `exit` have none, and strict servers refuse `null`).
fn with_params(mut message: Value, params: Value) -> Value {
    if !params.is_null() {
        message["params"] = params;
    }
    message
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A scratch copy of a fixture folder, removed when dropped.
pub struct TempWorkspace {
    pub root: PathBuf,
}

impl TempWorkspace {
    pub fn copy_of(source: &Path) -> TempWorkspace {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!("runbook-ls-e2e-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(source, &root).expect("the fixture can be copied");
        TempWorkspace { root: root.canonicalize().expect("the copy exists") }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub fn uri(&self, relative: &str) -> String {
        file_uri(&self.path(relative))
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("the file exists")
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("files have a parent")).expect("the folder can be made");
        std::fs::write(path, text).expect("the file can be written");
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Copies the folder `from` to `to`, recursively.
pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
