#!/usr/bin/env bash
# Build the real Temporal Server and its SQL schema tool from the Go module proxy into
# .tools/ (ignored by git), for the harness's cluster stack (`harness stack up --cluster`).
# Idempotent: when both binaries and the schema files of this version are there, it does
# nothing. The server's go.mod asks for a newer Go than many machines have, so the build
# uses GOTOOLCHAIN (the toolchain also comes through the module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.2}"
TOOLCHAIN="${TEMPORAL_GOTOOLCHAIN:-go1.27.3}"
ROOT="$PWD"
DIR="$ROOT/.tools/temporal-cluster"
BIN="$ROOT/.tools/bin"
STAMP="$DIR/built-$VERSION"

if [ -f "$STAMP" ] && [ -x "$BIN/temporal-server" ] && [ -x "$BIN/temporal-sql-tool" ] \
    && [ -d "$DIR/schema/temporal/versioned" ]; then
  echo "build-temporal-cluster: Temporal Server $VERSION already built in .tools/bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-temporal-cluster: 'go' is not installed; the cluster stack needs it to build Temporal Server" >&2
  exit 3
fi
echo "build-temporal-cluster: building Temporal Server $VERSION (a few minutes the first time)"
start=$(date +%s)
mkdir -p "$DIR" "$BIN"
cd "$DIR"
rm -f built-*
if [ ! -f go.mod ]; then
  go mod init harness.local/temporal-cluster >/dev/null 2>&1
fi
export GOTOOLCHAIN="$TOOLCHAIN" GOFLAGS=-mod=mod
go get "go.temporal.io/server@$VERSION"
go build -o "$BIN/temporal-server" go.temporal.io/server/cmd/server
go build -o "$BIN/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
# The PostgreSQL schema ships with the module source; copy it out of the read-only cache.
SRC="$(go list -m -f '{{.Dir}}' go.temporal.io/server)"
rm -rf schema.new schema
cp -r "$SRC/schema/postgresql/v12" schema.new
chmod -R u+w schema.new
mv schema.new schema
touch "$STAMP"
echo "build-temporal-cluster: done in $(( $(date +%s) - start ))s"
