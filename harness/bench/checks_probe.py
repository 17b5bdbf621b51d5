"""Time and peak memory of every applicable check over one run folder, in a fresh process.

    python -m harness.bench.checks_probe RUN_DIR OUT.json

A process of its own so the peak RSS (VmHWM) is the checks' and the interpreter's, not the
benchmark's. `determinism` is left out: it replays each history on the workflow code that
produced it, a cost of the SDK's replayer, and synthetic histories were not produced by
the code (every other check reads histories like a real run's).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

REPLAYS = ("determinism",)


def probe(run_dir: Path) -> dict[str, object]:
    from harness.checks.registry import CHECKS
    from harness.judge import judge
    from harness.runfolder import RunFolder

    names = [n for n in CHECKS if n not in REPLAYS]
    started, cpu_started = time.perf_counter(), time.process_time()
    verdicts = judge(RunFolder(run_dir), [(name, {}) for name in names])
    seconds = time.perf_counter() - started
    # The CPU the judging took: on a busy machine the wall time is mostly waiting for a core.
    cpu_seconds = time.process_time() - cpu_started
    rss_mb = peak_rss_mb()
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "rss_mb": round(rss_mb, 1), "checks": names,
            "excluded": [n for n in CHECKS if n not in names],
            "verdicts": {v.check: str(v.status) for v in verdicts},
            "per_check_seconds": {v.check: v.stats.get("seconds") for v in verdicts}}


def folder_mb(path: Path) -> float:
    """Bytes on disk of every file under `path`, in MB."""
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def peak_rss_mb() -> float:
    """This process's own peak RSS. VmHWM belongs to the address space, which exec replaces;
    getrusage's ru_maxrss survives exec and would count the parent's peak at fork time."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    result = probe(Path(sys.argv[1]))
    Path(sys.argv[2]).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
