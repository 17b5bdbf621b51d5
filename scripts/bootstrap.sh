#!/usr/bin/env bash
# Idempotent set-up: the venv in .venv/, the package and its dev extras, and a
# toxiproxy-server binary in .tools/bin/ when none is on PATH. Safe to repeat.
#   --with-browser  also Debian's chromium (the report's browser test)
#   --with-cluster  also Temporal Server and its SQL tool (the cluster stack), into .tools/
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PYTHON:-python3}"
TOXIPROXY_VERSION="v2.12.0"

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last successful install.
STAMP=.venv/.harness-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "bootstrap: installing the harness and its dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$STAMP"
fi

# toxiproxy: prefer one already on PATH, then our own build; otherwise build it.
if ! command -v toxiproxy-server >/dev/null 2>&1 && [ ! -x .tools/bin/toxiproxy-server ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "bootstrap: 'go' is not installed; cannot build toxiproxy-server (network faults need it)" >&2
    exit 3
  fi
  echo "bootstrap: building toxiproxy-server $TOXIPROXY_VERSION with go install"
  mkdir -p .tools/bin
  GOBIN="$ROOT/.tools/gobin" GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION"
  mv .tools/gobin/server .tools/bin/toxiproxy-server
  rmdir .tools/gobin 2>/dev/null || true
fi
for arg in "$@"; do
  case "$arg" in
    # Debian's chromium, for the report's headless-browser test (root only; no-op when present).
    --with-browser) bash scripts/install-chromium.sh ;;
    # The real Temporal Server and its SQL tool for the cluster stack (no-op when built).
    --with-cluster) bash scripts/build-temporal-cluster.sh ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done
echo "bootstrap: ready"
