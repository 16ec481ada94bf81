"""Where the repository and its charts are."""

from __future__ import annotations

from pathlib import Path


def repo_root() -> Path:
    """The checkout this package lives in (it is installed editable)."""
    return Path(__file__).resolve().parent.parent


def charts_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "charts"
