"""A user's app for the tests: workflows taking no argument and two, activities built
from the scenario's params, and an outcome that depends on the input."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

TIMEOUT = timedelta(seconds=10)


@activity.defn
async def greet(name: str, times: int) -> str:
    return " ".join([f"hi {name}"] * times)


def activities(params: dict[str, Any]) -> list[Any]:
    """The activities, configured by the scenario's params."""
    suffix = str(params["suffix"])

    @activity.defn(name="decorate")
    async def decorate(text: str) -> str:
        return text + suffix

    return [greet, decorate]


@workflow.defn
class NoArgs:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity("decorate", "none", start_to_close_timeout=TIMEOUT)


@workflow.defn
class TwoArgs:
    @workflow.run
    async def run(self, name: str, times: int) -> str:
        text = await workflow.execute_activity(greet, args=[name, times],
                                               start_to_close_timeout=TIMEOUT)
        if times % 2:
            raise ApplicationError(f"{name}: an odd number of greetings", non_retryable=True)
        return await workflow.execute_activity("decorate", text, start_to_close_timeout=TIMEOUT)


def two_inputs(index: int, rng: random.Random) -> tuple[str, int]:
    return f"n{index}", index + 1
