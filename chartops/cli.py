"""What the invoke tasks print and how they fail, in one place.

Data (YAML, image lists, package digests, summaries) goes to stdout, so
`inv render ... > out.yaml` and `inv images | sort` work; diagnostics (which
helm, progress, errors) go to stderr. Colour only when the stream is a
terminal and NO_COLOR is unset (https://no-color.org). Usage errors (an
unknown chart, values file or flag, a missing option) exit 2 with one line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from invoke.exceptions import Exit, ParseError
from invoke.program import Program

USAGE = 2
COLOURS = {"red": "31", "green": "32", "yellow": "33"}


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def paint(text: str, colour: str, stream: TextIO | None = None) -> str:
    return f"\033[{COLOURS[colour]}m{text}\033[0m" if colour_enabled(stream or sys.stdout) else text


def note(message: str) -> None:
    """A diagnostic line: stderr, never mixed into the data on stdout."""
    print(message, file=sys.stderr, flush=True)


def usage_error(message: str) -> Exit:
    return Exit(message.splitlines()[0] if message else "usage error", code=USAGE)


def need(value: str | None, flag: str, task: str, example: str) -> str:
    """A required option (tasks take none positionally, so `inv TASK --help` always shows help)."""
    if not value:
        raise usage_error(f"{task} needs {flag}, e.g. inv {task} {flag} {example} (see inv {task} --help)")
    return value


def existing_files(paths: Iterable[str], what: str = "values file") -> list[Path]:
    files = [Path(p) for p in paths]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise usage_error(f"{what} not found: {', '.join(missing)}")
    return files


_original_parse_tasks = Program.parse_tasks


def _parse_tasks(self: Program) -> None:
    try:
        _original_parse_tasks(self)
    except ParseError as err:
        # invoke exits 1 on an unknown flag or a flag without its value; a usage error is 2
        raise usage_error(f"{err} (see inv --list, or inv TASK --help)") from err


def install() -> None:
    """Make invoke's parse errors usage errors (exit 2). Runs when tasks.py is loaded, before task args parse."""
    Program.parse_tasks = _parse_tasks  # type: ignore[method-assign]
