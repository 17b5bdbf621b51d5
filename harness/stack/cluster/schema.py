"""The cluster's two databases and their schemas, set up with the server's own SQL tool.

For each of `temporal` and `temporal_visibility`: create the database, set up the base
schema (version 0.0), then apply every versioned update shipped with the server. About a
second on a fresh PostgreSQL. The tool reads its login from the environment (SQL_*), so
the password never appears on a command line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from harness.errors import StackError
from harness.stack.cluster.build import ClusterBinaries
from harness.stack.processes import OwnedProcess

DATABASES = (("temporal", "temporal"), ("temporal_visibility", "visibility"))


def schema_steps(binaries: ClusterBinaries) -> list[list[str]]:
    steps: list[list[str]] = []
    for database, folder in DATABASES:
        versioned = binaries.schema_dir / folder / "versioned"
        steps += [["--db", database, "create-database"],
                  ["--db", database, "setup-schema", "-v", "0.0"],
                  ["--db", database, "update-schema", "-d", str(versioned)]]
    return steps


async def setup_schema(binaries: ClusterBinaries, host: str, port: int,
                       login: dict[str, str], log_path: Path, timeout: float = 120.0) -> None:
    env = {"SQL_PLUGIN": "postgres12", "SQL_HOST": host, "SQL_PORT": str(port),
           "SQL_USER": login["DB_USER"], "SQL_PASSWORD": login["DB_PASSWORD"]}
    for step in schema_steps(binaries):
        proc = OwnedProcess("temporal-sql-tool", [str(binaries.sql_tool), *step],
                            log_path=log_path, env=env)
        proc.start()
        code = await asyncio.to_thread(proc.wait, timeout)
        if code is None:
            proc.kill()
            raise StackError(f"schema set-up `temporal-sql-tool {' '.join(step)}` did not "
                             f"finish in {timeout:.0f}s; see {log_path}")
        if code != 0:
            raise StackError(f"schema set-up `temporal-sql-tool {' '.join(step)}` failed "
                             f"(exit {code}); see {log_path}")
