"""External commands of the delivery tasks: what runs, how it shows, how it fails.

A Command is argv plus extra environment plus an optional secret for stdin.
It never goes through a shell (so a robot name like `robot$ci` stays intact)
and shows itself with the secret and secret-looking environment redacted, for
`inv --dry` and for error messages.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

REDACTED = "<redacted>"
SECRET_ENV_WORDS = ("PASSWORD", "PASSPHRASE", "TOKEN", "SECRET")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    stdin_secret: str | None = None  # passed on stdin, never in argv or logs

    @classmethod
    def of(cls, argv: Sequence[str], env: Mapping[str, str] | None = None,
           stdin_secret: str | None = None) -> Command:
        return cls(tuple(str(a) for a in argv), dict(env or {}), stdin_secret)

    def show(self) -> str:
        """The command as a person would type it, secrets redacted."""
        env = " ".join(
            f"{k}={REDACTED if any(w in k.upper() for w in SECRET_ENV_WORDS) else shlex.quote(v)}"
            for k, v in sorted(self.env.items())
        )
        text = f"{env} {shlex.join(self.argv)}" if env else shlex.join(self.argv)
        return f"echo {REDACTED} | {text}" if self.stdin_secret is not None else text

    def run(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(self.argv),
            input=self.stdin_secret if self.stdin_secret is not None else None,
            stdin=None if self.stdin_secret is not None else subprocess.DEVNULL,
            env={**os.environ, **self.env},
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def helm_message(stderr: str) -> str:
    """helm's stderr without its informational lines (the common-symlink note)."""
    lines = [
        line for line in stderr.splitlines()
        if line.strip() and "found symbolic link in path" not in line
    ]
    return "\n".join(lines).strip()
