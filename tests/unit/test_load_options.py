"""`harness load` options and parsers: bad input is refused before anything starts."""

from __future__ import annotations

import argparse

import pytest

from harness.errors import UsageError
from harness.load.command import add_load_parsers, load_options
from harness.load.locust_run import common_args, locust_processes
from harness.load.options import LoadOptions


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="harness")
    add_load_parsers(p.add_subparsers(dest="command", required=True))
    return p


def test_flags_map_to_options() -> None:
    args = parser().parse_args(["load", "s.yaml", "-u", "7", "-r", "2", "-t", "1m30s",
                                "--shape", "ramp", "--shape-args", "peak=9", "--processes",
                                "2", "--stop-timeout", "0", "--arrival-rate", "3"])
    options = load_options(args).validate(deadline=300)
    assert (options.users, options.rate, options.duration) == (7, 2.0, 90.0)
    assert options.shape_args == {"peak": "9"} and options.processes == 2
    assert options.stop_timeout == 0 and options.arrival_rate == 3


def test_bad_duration_is_a_parse_error() -> None:
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["load", "s.yaml", "-t", "soon"])
    assert exc.value.code == 2


@pytest.mark.parametrize(("options", "words"), [
    (LoadOptions(users=0), "--users"),
    (LoadOptions(arrival_rate=0), "--arrival-rate"),
    (LoadOptions(spawn_rate=-1), "--spawn-rate"),
    (LoadOptions(remote_workers=2), "--remote-workers"),
    (LoadOptions(shape_args={"peak": "3"}), "--shape-args needs --shape"),
    (LoadOptions(duration=120), "longer than the scenario's deadline"),
    (LoadOptions(shape="spike", shape_args={"total": "5m"}), "longer than the scenario"),
])
def test_invalid_options(options: LoadOptions, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        options.validate(deadline=60)


def test_locust_gets_whole_seconds_and_no_users_with_a_shape(tmp_path) -> None:
    plain = common_args(LoadOptions(users=3, duration=2.2), tmp_path)
    assert plain[plain.index("-t") + 1] == "3s" and "-u" in plain
    shaped = common_args(LoadOptions(shape="ramp"), tmp_path)
    assert "-u" not in shaped and "-t" not in shaped


def test_distributed_is_a_patched_master_and_unpatched_workers(tmp_path) -> None:
    procs, url = locust_processes(tmp_path / "config.json", LoadOptions(processes=2), tmp_path)
    master, *workers = procs
    assert url is None and len(workers) == 2
    assert "--master" in master.argv and "127.0.0.1" in master.argv
    assert master.env["LOCUST_SKIP_MONKEY_PATCH"] == ""
    assert [w.env["HARNESS_LOAD_PROCESS"] for w in workers] == ["1", "2"]
    assert all(w.env["LOCUST_SKIP_MONKEY_PATCH"] == "1" for w in workers)


def test_ui_binds_loopback_only(tmp_path) -> None:
    procs, url = locust_processes(tmp_path / "c.json", LoadOptions(ui=True, web_port=8099),
                                  tmp_path)
    argv = procs[0].argv
    assert url == "http://127.0.0.1:8099"
    assert argv[argv.index("--web-host") + 1] == "127.0.0.1" and "--headless" not in argv


def test_cmd_load_refuses_a_load_longer_than_the_deadline(tmp_path) -> None:
    from harness.load.command import cmd_load

    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\ndeadline: 10s\nworkloads: [{name: order_saga, count: 1}]\n")
    args = parser().parse_args(["load", str(scenario), "-t", "1m", "--out", str(tmp_path)])
    with pytest.raises(UsageError, match="longer than the scenario's deadline"):
        cmd_load(args)
    assert list(tmp_path.iterdir()) == [scenario]  # nothing started, nothing written


def test_scale_and_bench_parsers() -> None:
    args = parser().parse_args(["scale", "--shapes", "2x2", "--workers", "1,2"])
    assert (args.shapes, args.workers, args.parents, args.via_proxy) == ("2x2", "1,2", 1, False)
    args = parser().parse_args(["bench", "--quick", "--json", "x.json"])
    assert args.quick and str(args.json) == "x.json"
