"""Against an external cluster: what a self-hosting user meets first.

The "external cluster" here is the session's dev server, reached by address only (the harness
starts no Temporal), or that server behind a TLS relay signed by a CA the test makes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from harness.stack.stack import Stack
from tests.integration.tls_terminator import TlsTerminator, make_ca

TINY = """
name: tiny
workloads: [{name: order_saga, count: 2}]
checks: [liveness]
"""
RESTART = """
name: needs-a-server-kill
workloads: [{name: order_saga, count: 2}]
faults: [{type: server_restart, at: 1s}]
checks: [liveness]
"""
CANARY = "canary-key-7f3a9c0e-do-not-leak"


def harness(args: list[str], tmp_path: Path, timeout: float = 180,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
        timeout=timeout, env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"),
                              **(env or {})})


def test_a_folder_runs_what_the_cluster_allows_and_skips_the_rest(tmp_path: Path,
                                                                    stack: Stack) -> None:
    assert stack.direct is not None
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "a-tiny.yaml").write_text(TINY)
    (folder / "b-restart.yaml").write_text(RESTART)
    out = tmp_path / "o"
    result = harness(["run", str(folder), "--out", str(out),
                      "--temporal-address", stack.direct.address], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"harness: skipped {folder / 'b-restart.yaml'}: fault server_restart is "
            "unavailable against an external cluster") in result.stderr.splitlines()[0]
    assert "1 scenario(s) skipped" in result.stderr
    results = {json.loads(p.read_text())["scenario"]: json.loads(p.read_text())
               for p in out.glob("*/results.json")}
    assert results["tiny"]["status"] == "pass"
    skipped = results["needs-a-server-kill"]
    assert skipped["status"] == "unknown" and "server_restart" in skipped["skipped"]
    assert skipped["verdicts"][0]["summary"].startswith("skipped: ")
    from harness.report.schema import validate_results

    assert validate_results(skipped) == []


def test_a_missing_namespace_is_said_with_how_to_create_it(tmp_path: Path,
                                                           stack: Stack) -> None:
    assert stack.direct is not None
    (tmp_path / "tiny.yaml").write_text(TINY)
    result = harness(["run", str(tmp_path / "tiny.yaml"), "--out", str(tmp_path / "o"),
                      "--temporal-address", stack.direct.address, "--namespace", "nope-ns"],
                     tmp_path, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "namespace 'nope-ns' does not exist" in result.stderr
    assert "temporal operator namespace create --namespace nope-ns" in result.stderr
    assert "search attribute" not in result.stderr


def test_private_ca_reaches_callbacks_and_the_api_key_leaks_nowhere(tmp_path: Path,
                                                                     stack: Stack) -> None:
    """Server TLS from a CA the test makes: the harness, its workers and the services'
    approval callbacks all need --tls-ca. The API key (a canary) goes in by environment and
    must appear in no file the run writes and on no process's command line."""
    assert stack.direct is not None
    ca = make_ca(tmp_path / "ca")
    relay = TlsTerminator(stack.direct.address, ca)
    address = relay.start()
    try:
        (tmp_path / "approvals.yaml").write_text("""
name: tls-approvals
workloads:
  - {name: approval, count: 4, params: {approve: 1.0, reject: 0, never: 0,
                                        callback_delay: 200ms, timeout: 20s}}
checks: [liveness, callback_resolution]
""")
        out = tmp_path / "o"
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "run", str(tmp_path / "approvals.yaml"),
             "--out", str(out), "--temporal-address", address, "--tls-ca", str(ca.ca_cert)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"),
                 "TEMPORAL_API_KEY": CANARY})
        seen_processes: set[int] = set()
        leaked: list[str] = []
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            for p in psutil.process_iter(["pid", "cmdline"]):
                cmdline = " ".join(p.info["cmdline"] or [])
                if "harness" in cmdline:
                    seen_processes.add(p.info["pid"])
                if CANARY in cmdline:
                    leaked.append(cmdline)
            time.sleep(0.2)
        output, _ = proc.communicate(timeout=30)
    finally:
        relay.stop()
    assert proc.returncode == 0, output
    assert not leaked, leaked
    assert len(seen_processes) >= 3  # the harness, its services and a worker were watched
    (results_file,) = out.glob("*/results.json")
    results = json.loads(results_file.read_text())
    assert {v["check"]: v["status"] for v in results["verdicts"]} == {
        "liveness": "pass", "callback_resolution": "pass"}
    records = json.loads((results_file.parent / "workflows.json").read_text())
    outcomes = [r["result"]["outcome"] for r in records if r.get("result")]
    assert outcomes == ["approved"] * 4  # every callback reached Temporal through TLS
    services_argv = (out / ".stack").rglob("services.log")
    assert any("--tls-ca" in log.read_text() for log in services_argv)
    written = [p for p in [*out.rglob("*"), *(tmp_path / "state").rglob("*")] if p.is_file()]
    assert len(written) > 10
    assert [p for p in written if CANARY.encode() in p.read_bytes()] == []
