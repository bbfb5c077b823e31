#!/usr/bin/env bash
# Installs the tools the benchmark compares runbook-ls with, at the versions
# its report names, into .bench-peers/ at the repository root (ignored by git,
# safe to delete): rumdl into a Python virtual environment, markdownlint-cli2
# with npm where Node is present. The harness finds them there by itself.
set -euo pipefail

RUMDL_VERSION=0.3.0
MARKDOWNLINT_CLI2_VERSION=0.21.0

peers="$(cd "$(dirname "$0")/../.." && pwd)/.bench-peers"
mkdir -p "$peers"

step() { echo "install-peers: $*"; }

if [ "$("$peers/venv/bin/rumdl" --version 2>/dev/null)" = "rumdl $RUMDL_VERSION" ]; then
    step "rumdl $RUMDL_VERSION already installed"
else
    step "rumdl $RUMDL_VERSION into $peers/venv"
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install --quiet --disable-pip-version-check "rumdl==$RUMDL_VERSION"
fi

if ! command -v npm > /dev/null; then
    step "no npm: markdownlint-cli2 is not installed (the benchmark says so)"
    exit 0
fi
installed=$(node -p "require('$peers/npm/node_modules/markdownlint-cli2/package.json').version" 2>/dev/null || true)
if [ "$installed" = "$MARKDOWNLINT_CLI2_VERSION" ]; then
    step "markdownlint-cli2 $MARKDOWNLINT_CLI2_VERSION already installed"
else
    step "markdownlint-cli2 $MARKDOWNLINT_CLI2_VERSION into $peers/npm"
    mkdir -p "$peers/npm"
    npm install --prefix "$peers/npm" --no-save --no-audit --no-fund --loglevel=error \
        "markdownlint-cli2@$MARKDOWNLINT_CLI2_VERSION"
fi
