"""Load shapes: pure functions of time, validated before anything starts."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.load.shapes import build_shape, parse_shape_args


def test_ramp_defaults_from_users_and_duration() -> None:
    shape = build_shape("ramp", {}, users=10, duration=30)
    assert shape.total == 30
    assert shape.tick(0) == (10, 10 / 15)
    assert shape.tick(29.9) == (10, 10 / 15)
    assert shape.tick(30) is None


def test_step_adds_users_every_step() -> None:
    shape = build_shape("step", parse_shape_args("step=3,every=5s,steps=3"), 10, 30)
    assert [shape.tick(t) for t in (0, 5, 10.1, 15)] == [(3, 3.0), (6, 3.0), (9, 3.0), None]


def test_spike_goes_back_to_base() -> None:
    shape = build_shape("spike", parse_shape_args("base=2,peak=8,at=4s,length=2s,total=10s"),
                        10, 30)
    assert [shape.tick(t)[0] for t in (0, 4, 5.9, 6, 9.9)] == [2, 8, 8, 2, 2]
    assert shape.tick(10) is None


@pytest.mark.parametrize(("kind", "args", "words"), [
    ("wave", "", "unknown shape 'wave'"),
    ("ramp", "peak=x", "peak"),
    ("ramp", "bogus=1", "bogus"),
    ("spike", "at=29s", "must end within total"),
    ("step", "every=-1s", "every"),
])
def test_bad_shapes_are_usage_errors(kind: str, args: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        build_shape(kind, parse_shape_args(args), 10, 30)


@pytest.mark.parametrize("text", ["peak", "peak=", "=3", "a=1,,b"])
def test_shape_args_syntax(text: str) -> None:
    if text == "a=1,,b":
        with pytest.raises(UsageError, match="'b'"):
            parse_shape_args(text)
    else:
        with pytest.raises(UsageError, match="key=value"):
            parse_shape_args(text)
