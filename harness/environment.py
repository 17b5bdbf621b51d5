"""What the run ran on (harness commit, SDK, server, machine), stored in meta.json so two
runs' figures can be compared knowing what differed."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import __version__
from harness.stack.stack import Stack


def environment(stack: Stack) -> dict[str, Any]:
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent, timeout=5).stdout.strip()
    server = ""
    if stack.temporal is not None:
        with contextlib.suppress(Exception):
            server = subprocess.run([str(stack.temporal.binary), "--version"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
    return {
        "harness_version": __version__, "harness_commit": commit,
        "temporalio": metadata.version("temporalio"),
        "temporal_server": server or "external", "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpus",
    }
