#!/usr/bin/env python3
"""A stand-in for the runbook-ls binary, only to test the editor test harness itself.

It speaks just enough LSP over stdio for tests/editors/neovim_e2e.lua to go through every
step before the real server exists. Its "rules" are line regexes, nothing like the real
server's; never point a real test at it.

FAKE_RUNBOOK_LS_MODE=full     (default) diagnostics, completion, hover, re-lint on change
FAKE_RUNBOOK_LS_MODE=minimal  answers initialize and publishes diagnostics, has no hover or completion
FAKE_RUNBOOK_LS_LOG=FILE      appends one JSON line per thing worth checking (init options,
                              workspace/configuration answer, didChangeConfiguration)
"""

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

MODE = os.environ.get("FAKE_RUNBOOK_LS_MODE", "full")
LOG = os.environ.get("FAKE_RUNBOOK_LS_LOG")

documents: dict[str, list[str]] = {}
workspace_root: Path | None = None
next_request_id = 1000


def log(kind: str, value) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": kind, "value": value}) + "\n")


def read_message():
    headers = {}
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return None
        line = line.decode("ascii").strip()
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = sys.stdin.buffer.read(int(headers["content-length"]))
    return json.loads(body)


def send(message: dict) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def uri_to_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def key_slugs() -> dict[str, dict]:
    """KEY slug -> manifest, from <root>/node-keys/*/key.json (folder name without one)."""
    slugs = {}
    if workspace_root is None:
        return slugs
    for root, prefix in (("node-keys", "node"), ("next-keys", "next"), ("jupyter-keys", "jupyter")):
        for folder in sorted((workspace_root / root).glob("*/")):
            manifest = {}
            if (folder / "key.json").is_file():
                manifest = json.loads((folder / "key.json").read_text(encoding="utf-8"))
            name = manifest.get("slug", folder.name)
            slug = name if name.startswith(prefix + "-") else f"{prefix}-{name}"
            slugs[slug] = manifest
    return slugs


HEADING = re.compile(r"^#{1,6}\s")
ACTION = re.compile(r"^###\s+Action\s+\d+[:.-]\s.*\((SAFE|REVERSIBLE|IRREVERSIBLE)[^)]*\)\s*$")


def lint(lines: list[str]) -> list[dict]:
    found = []
    for index, line in enumerate(lines):
        match = ACTION.match(line)
        if not match:
            continue
        end = next((j for j in range(index + 1, len(lines)) if HEADING.match(lines[j])), len(lines))
        body = "\n".join(lines[index + 1 : end])
        if match.group(1) == "REVERSIBLE" and not re.search(r"\*\*Rollbacks?(\*\*:|:\*\*)", body):
            found.append(diagnostic(index, line, "missing-rollback", "REVERSIBLE action has no Rollback field"))
        if not re.search(r"\*\*Preconditions?(\*\*:|:\*\*)", body):
            found.append(diagnostic(index, line, "missing-precondition", "action has no Preconditions field"))
    return found


def diagnostic(line_number: int, line: str, code: str, message: str) -> dict:
    start = len(line) - len(line.lstrip("#").lstrip())
    return {
        "range": {"start": {"line": line_number, "character": start}, "end": {"line": line_number, "character": len(line)}},
        "severity": 2,
        "code": code,
        "source": "runbook-ls",
        "message": message,
    }


def publish(uri: str) -> None:
    send({"method": "textDocument/publishDiagnostics", "params": {"uri": uri, "diagnostics": lint(documents[uri])}})


def completion(params: dict):
    line = documents[params["textDocument"]["uri"]][params["position"]["line"]]
    before = line[: params["position"]["character"]]
    match = re.search(r"`((?:node|next|jupyter)-[a-z0-9-]*)$", before)
    if not match:
        return []
    return [
        {"label": slug, "kind": 9, "detail": manifest.get("title", "KEY")}
        for slug, manifest in key_slugs().items()
        if slug.startswith(match.group(1))
    ]


def hover(params: dict):
    line = documents[params["textDocument"]["uri"]][params["position"]["line"]]
    column = params["position"]["character"]
    for match in re.finditer(r"`([^`]+)`", line):
        if match.start() <= column < match.end():
            manifest = key_slugs().get(match.group(1))
            if manifest is None:
                return None
            effects = "\n".join(f"- {effect}" for effect in manifest.get("side_effects", []))
            text = f"**{manifest.get('title', match.group(1))}**\n\n**Side effects**:\n{effects}"
            return {"contents": {"kind": "markdown", "value": text}}
    return None


def main() -> None:
    global workspace_root, next_request_id
    while True:
        message = read_message()
        if message is None:
            return
        method = message.get("method")
        params = message.get("params") or {}
        if method == "initialize":
            log("initializationOptions", params.get("initializationOptions"))
            root = params.get("rootUri")
            workspace_root = uri_to_path(root) if root else None
            capabilities = {"textDocumentSync": {"openClose": True, "change": 1}}
            if MODE == "full":
                capabilities.update({"completionProvider": {"triggerCharacters": ["`", "-"]}, "hoverProvider": True})
            send({"id": message["id"], "result": {"capabilities": capabilities, "serverInfo": {"name": "fake-runbook-ls"}}})
        elif method == "initialized":
            send({"id": next_request_id, "method": "workspace/configuration", "params": {"items": [{"section": "runbook-ls"}]}})
            next_request_id += 1
        elif method == "workspace/didChangeConfiguration":
            log("didChangeConfiguration", params.get("settings"))
        elif method == "textDocument/didOpen":
            document = params["textDocument"]
            documents[document["uri"]] = document["text"].split("\n")
            publish(document["uri"])
        elif method == "textDocument/didChange":
            uri = params["textDocument"]["uri"]
            documents[uri] = params["contentChanges"][-1]["text"].split("\n")
            publish(uri)
        elif method == "textDocument/didClose":
            documents.pop(params["textDocument"]["uri"], None)
        elif method == "textDocument/completion" and MODE == "full":
            send({"id": message["id"], "result": completion(params)})
        elif method == "textDocument/hover" and MODE == "full":
            send({"id": message["id"], "result": hover(params)})
        elif method == "shutdown":
            send({"id": message["id"], "result": None})
        elif method == "exit":
            return
        elif "id" in message and method is None:
            log("workspace/configuration", message.get("result"))
        elif "id" in message:
            send({"id": message["id"], "error": {"code": -32601, "message": f"fake-runbook-ls does not handle {method}"}})


if __name__ == "__main__":
    main()
