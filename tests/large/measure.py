#!/usr/bin/env python3
"""Measures runbook-ls on the large and hostile documents of issue 14.

Drives the release binary over stdio as an editor does (didOpen, one-character
didChange, didClose), timing each publishDiagnostics from the client's side (to
the first line of its frame, the server's share, and to its parsed JSON) and
sampling the server's resident memory from /proc; runs `runbook-ls check` on
generated files under /usr/bin/time. Wall-clock figures: run it on a quiet
machine and report the load (`uptime`) with them.

    python3 tests/large/measure.py [--bin target/release/runbook-ls]
        [--max-document-bytes N] [--timeout S] [CASE...]

Cases: runbookN (a runbook of N MB, e.g. runbook5 or runbook0.5) blockquotes line1mb-utf16 line1mb-utf8
check-paragraph (75 to 600 KB) check-emphasis (a paragraph of unclosed emphasis
runs, 32 to 256 KB) emphasis-flood (256 KB of it, open and edited) check-runbook5 neighbour (a small document's
diagnostics next to a 5 MB one) cycles (a 1 MB runbook opened and closed 40
times: whether anything stays per document) (default: all but runbook50 and cycles). Documents above
the live-analysis limit (4 MiB by default) get one file-too-large finding;
`--max-document-bytes` raises the limit to measure their analysis.

A document case also opens the same text again after closing it and prints
`second_document_peak_growth_per_text_byte`: that peak over the RSS just
before, which still holds what the allocator kept from the first (jemalloc
returns freed pages over about 30 s), so it is the cost of a document once
the server has run one, not a bound on a first one.

Not part of the benchmark harness (tests/src/bench): a probe for issue 14's
figures, kept so that they can be reproduced.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import queue

# The key under which the reader notes when a message's frame started to
# arrive (not a JSON-RPC member).
ARRIVED = "_arrived"

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(REPO, "tests", "fixtures", "demo")


# ---------------------------------------------------------------- generators

def runbook(size):
    """A runbook of about `size` bytes: the demo's runbooks, Actions renumbered, repeated."""
    parts = []
    for name in ("clean.md", "broken.md"):
        with open(os.path.join(DEMO, "runbooks", name), encoding="utf-8") as f:
            parts.append(f.read())
    body = "\n".join(parts)
    out = []
    total = 0
    n = 0
    while total < size:
        n += 1
        block = re.sub(r"(#+ (?:Action|Step)) (\d+)", lambda m: f"{m.group(1)} {n}{m.group(2)}", body)
        out.append(block)
        total += len(block) + 1
    return "\n".join(out)


def blockquotes(n_lines=3000, size=9_000_000):
    """`n_lines` lines nested deeper and deeper in block quotes, `size` bytes in all."""
    per_line = size // n_lines
    depth = per_line // 2 - 4
    return "".join("> " * depth + "x\n" for _ in range(n_lines))


def code_span_line(size=1_000_000):
    """One line of unknown-KEY code spans."""
    unit = "`node-unknown-key` "
    return unit * (size // len(unit)) + "\n"


def repeated_paragraph(size):
    unit = "word `x` **b** "
    return "# Notes\n\n" + unit * (size // len(unit)) + "\n"


def emphasis_flood(size):
    """One paragraph of emphasis runs that never close, between code spans."""
    unit = "*a _b `c` **d** "
    return "# Notes\n\n" + unit * (size // len(unit)) + "\n"


# ---------------------------------------------------------------- LSP client

class Server:
    def __init__(self, binary, root, encodings, init_options=None):
        env = dict(os.environ, RUNBOOK_LS_LOG="off")
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.messages = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": "file://" + root,
            "initializationOptions": init_options,
            "workspaceFolders": [{"uri": "file://" + root, "name": "ws"}],
            "capabilities": {
                "general": {"positionEncodings": encodings},
                "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                "workspace": {"configuration": False},
            },
        })
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            arrived = None
            while True:
                line = out.readline()
                if not line:
                    return
                # The server writes a frame once its body is serialised:
                # its first line marks the end of the server's work on it.
                arrived = arrived or time.monotonic()
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length))
            if isinstance(message, dict):
                message[ARRIVED] = arrived
            self.messages.put(message)

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, timeout=60):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def wait(self, wanted, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                return None
            if "id" in message and "method" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if wanted(message):
                return message

    def open(self, uri, text):
        """didOpen of a markdown document at version 1."""
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "markdown", "version": 1, "text": text}})

    def close(self, uri, timeout):
        """didClose, then waits for the publication that clears the document's diagnostics."""
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and not m["params"]["diagnostics"], timeout)

    def diagnostics(self, uri, version, timeout):
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and m["params"].get("version") == version, timeout)

    def rss_mb(self, field="VmRSS"):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None

    def reset_peak(self):
        """Resets the server's VmHWM to its current RSS (`clear_refs` 5); false where not allowed."""
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def warm_up(server, workspace, timeout):
    """Opens each of the demo's runbooks (what the generated documents repeat),
    waits for its diagnostics, edits it once and closes it: the code that
    analyses them is paged in, and the exports of the KEYs they import are read
    and kept in the catalog, before the measured document. Both are costs of
    the server and the workspace, paid once, not of a document; with only the
    broken runbook as warm-up, a 10 KB document's peak was 32 to 81 times its
    text."""
    for name in ("clean.md", "broken.md"):
        uri = "file://" + os.path.join(workspace, "runbooks", "warm-up-" + name)
        with open(os.path.join(DEMO, "runbooks", name), encoding="utf-8") as f:
            text = f.read()
        server.open(uri, text)
        server.diagnostics(uri, 1, timeout)
        edit_middle(server, uri, text, 1, timeout)
        server.close(uri, timeout)


def edit_middle(server, uri, text, edits, timeout, first_bytes=None):
    """One-character edits in the middle of the text (versions 2 on): the
    milliseconds to each new version's diagnostics, parsed by this client;
    with `first_bytes`, also the milliseconds to the first line of their
    frame (the server's share, without the client's JSON parse)."""
    line = len(text.split("\n")) // 2
    times = []
    for version in range(2, 2 + edits):
        start = time.monotonic()
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": 0}}, "text": "x"}]})
        published = server.diagnostics(uri, version, timeout)
        if published is None:
            times.append(f"> {timeout}")
            break
        times.append(round((time.monotonic() - start) * 1000, 1))
        if first_bytes is not None:
            first_bytes.append(round((published[ARRIVED] - start) * 1000, 1))
    return times


def open_edit_close(binary, workspace, name, text, encodings, timeout, edits=3, init_options=None):
    path = os.path.join(workspace, "runbooks", name)
    uri = "file://" + path
    server = Server(binary, workspace, encodings, init_options)
    result = {"case": name, "bytes": len(text.encode()), "encoding": encodings[0]}
    try:
        # What the server holds before the document, once it has analysed a small
        # one (threads, parsers and caches that any first document starts): the
        # text's share of the peak is above it.
        warm_up(server, workspace, timeout)
        # VmHWM is the peak since the process started: bring it down to the
        # current RSS, so that the peak read below is this document's, not
        # the warm-up's or the workspace index's.
        result["peak_reset"] = server.reset_peak()
        result["rss_before_open_mb"] = server.rss_mb()
        start = time.monotonic()
        server.open(uri, text)
        published = server.diagnostics(uri, 1, timeout)
        if published is None:
            result["first_diagnostics_s"] = f"> {timeout}"
            result["peak_rss_mb"] = server.rss_mb("VmHWM")
            return result
        result["first_diagnostics_s"] = round(time.monotonic() - start, 3)
        result["n_diagnostics"] = len(published["params"]["diagnostics"])
        codes = sorted({d.get("code") for d in published["params"]["diagnostics"]})
        result["codes"] = codes[:5]
        result["rss_after_open_mb"] = server.rss_mb()
        first_bytes = []
        result["edit_ms"] = edit_middle(server, uri, text, edits, timeout, first_bytes)
        result["edit_first_byte_ms"] = first_bytes
        result["peak_rss_mb"] = server.rss_mb("VmHWM")
        # Issue 14's bound: at most 20 times the text, over what the server held before it.
        growth = (result["peak_rss_mb"] - result["rss_before_open_mb"]) * 1024 * 1024
        result["peak_growth_per_text_byte"] = round(growth / result["bytes"], 1)
        server.close(uri, timeout)
        time.sleep(1.0)
        result["rss_after_close_mb"] = server.rss_mb()
        # Freed memory goes back to the system over jemalloc's decay time (10 s),
        # as its background thread gets to it: a 1 MB document's took 20 to 30 s.
        time.sleep(11.0)
        result["rss_12s_after_close_mb"] = server.rss_mb()
        # The same text opened again and edited the same way, as a second
        # document: its peak over what the server held just before, without
        # what only a first document starts (threads, parsers, caches).
        if server.reset_peak():
            before = server.rss_mb()
            again = "file://" + os.path.join(workspace, "runbooks", "again-" + name)
            server.open(again, text)
            if server.diagnostics(again, 1, timeout) is not None:
                edit_middle(server, again, text, edits, timeout)
                growth = (server.rss_mb("VmHWM") - before) * 1024 * 1024
                result["second_document_peak_growth_per_text_byte"] = round(growth / result["bytes"], 1)
        return result
    finally:
        server.kill()


def cycles(binary, workspace, text, timeout, n=40, settle_s=30.0):
    """Opens and closes the same document `n` times, each until its diagnostics
    and their clearing: what a session that opens documents all day keeps.
    The server's RSS every five cycles, and `settle_s` after the last, as
    jemalloc returns freed pages over its decay time."""
    uri = "file://" + os.path.join(workspace, "runbooks", "cycled.md")
    server = Server(binary, workspace, ["utf-16"])
    result = {"case": f"{n} open/close cycles", "bytes": len(text.encode())}
    try:
        warm_up(server, workspace, timeout)
        result["rss_before_mb"] = server.rss_mb()
        trail = []
        for cycle in range(1, n + 1):
            server.open(uri, text)
            if server.diagnostics(uri, 1, timeout) is None:
                result["timed_out_at_cycle"] = cycle
                return result
            server.close(uri, timeout)
            if cycle % 5 == 0:
                trail.append(round(server.rss_mb(), 1))
        result["rss_every_5_cycles_mb"] = trail
        time.sleep(settle_s)
        result[f"rss_{settle_s:.0f}s_after_mb"] = round(server.rss_mb(), 1)
        return result
    finally:
        server.kill()


def neighbour(binary, workspace, text, timeout, init_options=None):
    """Opens a huge document, then a small one: how long the small one's diagnostics take."""
    big = "file://" + os.path.join(workspace, "runbooks", "big.md")
    small = "file://" + os.path.join(workspace, "runbooks", "broken.md")
    with open(os.path.join(DEMO, "runbooks", "broken.md"), encoding="utf-8") as f:
        small_text = f.read()
    server = Server(binary, workspace, ["utf-16"], init_options)
    try:
        # Baseline: the small document alone.
        start = time.monotonic()
        server.open(small, small_text)
        server.diagnostics(small, 1, timeout)
        alone = time.monotonic() - start
        server.open(big, text)
        start = time.monotonic()
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": small, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                          "end": {"line": 0, "character": 0}}, "text": "x"}]})
        got = server.diagnostics(small, 2, timeout)
        behind = time.monotonic() - start if got else None
        return {"case": "neighbour", "big_bytes": len(text), "small_alone_ms": round(alone * 1000, 1),
                "small_after_big_ms": round(behind * 1000, 1) if behind else f"> {timeout}"}
    finally:
        server.kill()


def check(binary, workspace, name, text, timeout):
    path = os.path.join(workspace, "runbooks", name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    try:
        start = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "check", path, "--format", "json"],
                              capture_output=True, timeout=timeout, cwd=workspace)
        elapsed = time.monotonic() - start
        max_rss_kb = int(proc.stderr.decode().strip().splitlines()[-1])
        findings = json.loads(proc.stdout or b"[]")
        return {"case": f"check {name}", "bytes": len(text), "seconds": round(elapsed, 3),
                "max_rss_mb": round(max_rss_kb / 1024, 1), "n_findings": len(findings),
                "codes": sorted({f["code"] for f in findings})[:5]}
    except subprocess.TimeoutExpired:
        return {"case": f"check {name}", "bytes": len(text), "seconds": f"> {timeout}"}
    finally:
        os.remove(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(REPO, "target", "release", "runbook-ls"))
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--max-document-bytes", type=int,
                        help="sent as initializationOptions (to analyse documents above the default limit)")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    cases = args.cases or ["runbook5", "runbook20", "blockquotes", "line1mb-utf16", "line1mb-utf8",
                           "check-paragraph", "check-runbook5", "neighbour"]
    binary = os.path.abspath(args.bin)
    init = {"max-document-bytes": args.max_document_bytes} if args.max_document_bytes else None
    workspace = tempfile.mkdtemp(prefix="runbook-ls-large-")
    try:
        shutil.copytree(os.path.join(DEMO, "node-keys"), os.path.join(workspace, "node-keys"))
        os.makedirs(os.path.join(workspace, "runbooks"))
        print(json.dumps({"uptime": open("/proc/loadavg").read().split()[:3]}), flush=True)
        for case in cases:
            if case.startswith("runbook") and case[7:].replace(".", "", 1).isdigit():
                mb = float(case[7:])
                result = open_edit_close(binary, workspace, f"{case}.md", runbook(int(mb * 1_000_000)),
                                         ["utf-16"], args.timeout, init_options=init)
            elif case == "blockquotes":
                result = open_edit_close(binary, workspace, "blockquotes.md", blockquotes(), ["utf-16"],
                                         args.timeout, init_options=init)
            elif case.startswith("line1mb-"):
                encoding = case.split("-")[1].replace("utf", "utf-")
                result = open_edit_close(binary, workspace, f"{case}.md", code_span_line(), [encoding],
                                         args.timeout, init_options=init)
            elif case == "check-paragraph":
                for size in (75_000, 150_000, 300_000, 600_000):
                    print(json.dumps(check(binary, workspace, f"paragraph-{size // 1000}kb.md",
                                           repeated_paragraph(size), args.timeout)), flush=True)
                continue
            elif case == "check-emphasis":
                for size in (32_000, 64_000, 128_000, 256_000):
                    print(json.dumps(check(binary, workspace, f"emphasis-{size // 1000}kb.md",
                                           emphasis_flood(size), args.timeout)), flush=True)
                continue
            elif case == "emphasis-flood":
                result = open_edit_close(binary, workspace, "emphasis-flood.md", emphasis_flood(256_000),
                                         ["utf-16"], args.timeout, init_options=init)
            elif case == "check-runbook5":
                result = check(binary, workspace, "runbook-5mb.md", runbook(5_000_000), args.timeout)
            elif case == "cycles":
                result = cycles(binary, workspace, runbook(1_000_000), args.timeout)
            elif case == "neighbour":
                result = neighbour(binary, workspace, runbook(5_000_000), args.timeout, init)
            else:
                sys.exit(f"unknown case {case}")
            print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    main()
