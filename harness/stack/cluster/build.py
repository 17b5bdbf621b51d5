"""Where the cluster's programs are: the Temporal Server and its SQL schema tool (built from
the Go module proxy by scripts/build-temporal-cluster.sh into .tools/), the schema files
that come with the server's source, and PostgreSQL's own programs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harness.errors import MissingBinaryError
from harness.stack.binaries import find_binary, repo_root

SERVER_VERSION = "1.32.2"
BUILD_HINT = "run scripts/build-temporal-cluster.sh (or `make cluster`) first"
SCHEMA_ENV = "HARNESS_TEMPORAL_SCHEMA_DIR"
HERE = Path(__file__).parent
CONFIG_TEMPLATE = HERE / "temporal.yaml"
DYNAMIC_CONFIG = HERE / "dynamicconfig.yaml"


@dataclass(frozen=True)
class ClusterBinaries:
    server: Path
    sql_tool: Path
    schema_dir: Path  # holds temporal/versioned and visibility/versioned (PostgreSQL v12)
    postgres: Path
    initdb: Path
    pg_isready: Path


def schema_dir() -> Path:
    override = os.environ.get(SCHEMA_ENV)
    path = Path(override) if override else repo_root() / ".tools" / "temporal-cluster" / "schema"
    if not (path / "temporal" / "versioned").is_dir():
        where = f"${SCHEMA_ENV}={override}" if override else str(path)
        raise MissingBinaryError(f"Temporal's PostgreSQL schema not found in {where}; "
                                 f"{BUILD_HINT}")
    return path


def find_cluster_binaries() -> ClusterBinaries:
    """Every program the cluster needs, or one line naming the first missing and the fix."""
    def built(name: str) -> Path:
        try:
            return find_binary(name)
        except MissingBinaryError as err:
            raise MissingBinaryError(f"{err}; {BUILD_HINT}") from None

    return ClusterBinaries(
        server=built("temporal-server"), sql_tool=built("temporal-sql-tool"),
        schema_dir=schema_dir(), postgres=_postgres("postgres"), initdb=_postgres("initdb"),
        pg_isready=_postgres("pg_isready"))


def _postgres(name: str) -> Path:
    try:
        return find_binary(name)
    except MissingBinaryError:
        for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
        raise MissingBinaryError(f"{name} (PostgreSQL) not found on PATH or in "
                                 "/usr/lib/postgresql/*/bin; install PostgreSQL "
                                 "(e.g. apt-get install postgresql)") from None
