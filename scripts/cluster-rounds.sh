#!/usr/bin/env bash
# Rounds of the README's suites against the cluster stack used as an external cluster.
#
#   scripts/cluster-rounds.sh [ROUNDS]        (default 10; or `make cluster-rounds ROUNDS=N`)
#
# Brings the cluster stack up once (`harness stack up --cluster`, in the background, stopped
# by pid on every exit path), then for each round creates a fresh namespace on it and runs
# exactly the README's commands with `--temporal-address ADDRESS --namespace NS`:
#   harness run scenarios/smoke.yaml | run scenarios/faults | run scenarios/nightly --seed 7
#   | run scenarios/drills | certify
# Each command's exit code, verdict, wall time and skipped scenarios go to a Markdown table
# (OUT/rounds.md) with one row per round; OUT/round-N/ holds the run folders and logs.
# What a clean round is: docs/cluster.md ("Rounds against the cluster as an external
# cluster").
#
# Environment: OUT (default reports/cluster-rounds/<UTC time>), COMMAND_TIMEOUT (seconds per
# command, default 1500), NIGHTLY_SEED (default 7, as in the README).
# Exit: 0 every round clean, 1 a round was not clean, 3 a crash or the stack failed.
set -u
cd "$(dirname "$0")/.."
ROUNDS="${1:-10}"
STAMP="$(date -u +%Y%m%dT%H%M%S)"
OUT="${OUT:-reports/cluster-rounds/$STAMP}"
COMMAND_TIMEOUT="${COMMAND_TIMEOUT:-1500}"
NIGHTLY_SEED="${NIGHTLY_SEED:-7}"
HARNESS=.venv/bin/harness
TEMPORAL_CLI=.venv/bin/temporal
PYTHON=.venv/bin/python
TABLE="$OUT/rounds.md"
STACK_LOG="$OUT/stack.log"
STACK_PID=""
CURRENT_PID=""

if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "cluster-rounds: ROUNDS must be a positive number, got '$ROUNDS'" >&2
  exit 2
fi
for tool in "$HARNESS" "$TEMPORAL_CLI" "$PYTHON"; do
  [ -x "$tool" ] || { echo "cluster-rounds: $tool is missing (make setup)" >&2; exit 2; }
done
mkdir -p "$OUT"

stop_all() {
  # The command in flight first, then the stack; both by pid, each given time to tear down
  # (the harness stops every process it owns and heals every fault on SIGTERM).
  local pid
  for pid in $CURRENT_PID $STACK_PID; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  CURRENT_PID=""
  STACK_PID=""
}
trap stop_all EXIT
trap 'echo "cluster-rounds: interrupted" >&2; exit 130' INT TERM

# Wide, plain output so the stack's address table and the verdict lines are one line each.
export COLUMNS=200 NO_COLOR=1 TERM=dumb
: >"$STACK_LOG"
"$HARNESS" stack up --cluster --state-dir "$OUT/stack" >>"$STACK_LOG" 2>&1 </dev/null &
STACK_PID=$!
ADDRESS=""
for _ in $(seq 900); do  # up to 180 s: a loaded machine needs 20 s or more
  # The `temporal` row of the address table the stack prints once up (not
  # temporal_for_workers, the workers' link through toxiproxy).
  ADDRESS="$(grep -oaP '^[^a-z0-9]*temporal[^a-z0-9_]+\K[0-9.]+:[0-9]+' "$STACK_LOG" | head -1)"
  [ -n "$ADDRESS" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$ADDRESS" ]; then
  echo "cluster-rounds: the cluster stack did not come up (see $STACK_LOG)" >&2
  tail -20 "$STACK_LOG" >&2
  exit 3
fi
echo "cluster-rounds: cluster stack pid $STACK_PID, frontend $ADDRESS, output in $OUT"

COMMANDS=("run scenarios/smoke.yaml" "run scenarios/faults"
          "run scenarios/nightly --seed $NIGHTLY_SEED" "run scenarios/drills" "certify")
{
  echo "# Cluster rounds $STAMP (commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
  echo
  echo "Each cell: exit code, verdict, seconds. Skipped: scenarios the external stack cannot run."
  echo
  echo "| round | namespace | smoke | faults | nightly | drills | certify | skipped | min | clean |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$TABLE"

status=0
for round in $(seq "$ROUNDS"); do
  dir="$OUT/round-$round"
  mkdir -p "$dir"
  ns="rounds-$(date -u +%H%M%S)-$round"
  round_start=$(date +%s)
  if ! "$TEMPORAL_CLI" operator namespace create --namespace "$ns" --address "$ADDRESS" \
      >"$dir/namespace.log" 2>&1; then
    echo "cluster-rounds: round $round: could not create namespace $ns (see $dir/namespace.log)" >&2
    status=3
    break
  fi
  cells=()
  clean=yes
  skipped_total=0
  for cmd in "${COMMANDS[@]}"; do
    log="$dir/$(echo "$cmd" | tr ' /' '__').log"
    start=$(date +%s)
    # shellcheck disable=SC2086 # the command's words are meant to be split
    timeout "$COMMAND_TIMEOUT" "$HARNESS" $cmd --temporal-address "$ADDRESS" --namespace "$ns" \
      --out "$dir" >"$log" 2>&1 </dev/null &
    CURRENT_PID=$!
    wait "$CURRENT_PID"
    rc=$?
    CURRENT_PID=""
    secs=$(( $(date +%s) - start ))
    verdict="$(grep -oE '^(PASS|FAIL|UNKNOWN):' "$log" | tail -1 | tr -d :)"
    verdict="${verdict:-none}"
    skipped=$(grep -c '^harness: skipped ' "$log")
    explained=$(grep '^harness: skipped ' "$log" | grep -c 'unavailable against an external cluster')
    skipped_total=$(( skipped_total + skipped ))
    crash=no
    if grep -qE 'Traceback|internal error' "$log" || [ "$verdict" = none ] \
        || ! [[ "$rc" =~ ^(0|1|3)$ ]]; then
      crash=yes
    fi
    cell="$rc $verdict ${secs}s"
    if [ "$crash" = yes ]; then
      cell="$cell CRASH"
      clean=no
      status=3
    elif [ "$rc" -ne 0 ] || [ "$skipped" -ne "$explained" ]; then
      clean=no
      [ "$status" -eq 0 ] && status=1
    fi
    cells+=("$cell")
    echo "cluster-rounds: round $round ns $ns '$cmd': $cell (log $log)"
  done
  minutes=$("$PYTHON" -c "print(f'{($(date +%s) - $round_start) / 60:.1f}')")
  echo "| $round | $ns | ${cells[0]} | ${cells[1]} | ${cells[2]} | ${cells[3]} | ${cells[4]} |" \
       "$skipped_total | $minutes | $clean |" >>"$TABLE"
  # Every verdict that is not a pass, from the run folders and the certificate, for the
  # reader of a round that was not clean (the selftest's runs are left out: its mutants
  # fail on purpose, and the certificate's selftest part says whether each did).
  "$PYTHON" - "$dir" >"$dir/not-passed.txt" <<'EOF'
import json
import sys
from pathlib import Path

for path in sorted(Path(sys.argv[1]).rglob("results.json")):
    if "selftest" in path.relative_to(sys.argv[1]).parts:
        continue
    data = json.loads(path.read_text())
    for v in data.get("verdicts") or []:
        if v.get("status") != "pass":
            print(f"{path.parent}: {v.get('check')} {v.get('status')}: {v.get('summary')}")
for path in sorted(Path(sys.argv[1]).rglob("certificate.json")):
    data = json.loads(path.read_text())
    for part in data.get("parts") or []:
        if part.get("status") != "pass":
            print(f"{path}: {part.get('name')} {part.get('status')}: {part.get('summary')}")
    for skip in data.get("skipped") or []:
        print(f"{path}: skipped {skip.get('file')}: {skip.get('reason')}")
EOF
  if [ -s "$dir/not-passed.txt" ] && [ "$clean" = no ]; then
    sed 's/^/    /' "$dir/not-passed.txt"
  fi
done

echo
cat "$TABLE"
exit "$status"
