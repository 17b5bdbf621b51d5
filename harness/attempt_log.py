"""The workers' attempt log in a run folder: where its files are and how they are read back.

Workers append `workers/<identity>.activities.jsonl` line by line while they run, flushed
per line so a SIGKILL loses nothing already written (harness/faults/interceptor.py). Once
the workers have stopped, the run compresses each file to `.activities.jsonl.gz`: a 1K x
1K fan-out writes two lines per activity, half a GB of JSON, and compressed it is a tenth
of that. Readers take both forms, so older run folders are judged the same way.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

SUFFIX = ".activities.jsonl"
LEVEL = 3  # as for histories: most of level 6's ratio for a quarter of its CPU


def log_files(workers_dir: Path) -> list[Path]:
    """Every worker's attempt log, plain or compressed, in identity order."""
    if not workers_dir.is_dir():
        return []
    return sorted([*workers_dir.glob(f"*{SUFFIX}"), *workers_dir.glob(f"*{SUFFIX}.gz")])


def log_lines(workers_dir: Path, containing: str | None = None) -> Iterator[str]:
    """The non-empty lines of every attempt log, file after file (streamed, not loaded).

    With `containing`, only the lines holding that text, found in bulk rather than line by
    line: a 1K x 1K run's log is two million lines, and a reader after one kind of event
    (an injection, a failure) has a handful to look at."""
    for path in log_files(workers_dir):
        opener = gzip.open if path.name.endswith(".gz") else open
        if containing is not None:
            with opener(path, "rb") as f:
                yield from _lines_with(f, containing.encode())
            continue
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    yield line


def _lines_with(f: BinaryIO, needle: bytes) -> Iterator[str]:
    tail = b""
    while block := f.read(1 << 20):
        block = tail + block
        cut = block.rfind(b"\n") + 1  # whole lines now, the rest with the next block
        block, tail = block[:cut], block[cut:]
        yield from _matching(block, needle)
    yield from _matching(tail, needle)  # a last line without its newline (torn)


def _matching(block: bytes, needle: bytes) -> Iterator[str]:
    at = block.find(needle)
    while at != -1:
        start = block.rfind(b"\n", 0, at) + 1
        end = block.find(b"\n", at)
        end = len(block) if end == -1 else end + 1
        yield block[start:end].decode("utf-8", errors="replace")
        at = block.find(needle, end)


def compress_logs(workers_dir: Path) -> int:
    """Compress each plain attempt log in place (atomically: tmp, then rename, then the
    plain file goes); how many were compressed. Only after the workers have stopped."""
    done = 0
    if not workers_dir.is_dir():
        return done
    for path in sorted(workers_dir.glob(f"*{SUFFIX}")):
        target = path.with_name(path.name + ".gz")
        tmp = target.with_name(target.name + ".tmp")
        with path.open("rb") as src, gzip.open(tmp, "wb", compresslevel=LEVEL) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, target)
        path.unlink()
        done += 1
    return done
