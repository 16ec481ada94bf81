"""`invoke bench`'s budget for the umbrella's lab render: at most 3x helm's own start-up, in CPU time."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartops import bench
from chartops.helm import Helm


def test_the_ratio_and_its_verdict() -> None:
    assert bench.StartupRatio(0.15, 0.05).ok
    over = bench.StartupRatio(0.2, 0.05)
    assert not over.ok and "4.00x, OVER the 3x budget" in over.describe()


def test_the_two_commands_are_interleaved_and_their_medians_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake(cmd: list[str]) -> float:
        kind = "version" if cmd[-1] == "version" else "render"
        calls.append(kind)
        return {"version": 0.05, "render": 0.12}[kind] + (0.5 if len(calls) == 1 else 0.0)  # one outlier

    monkeypatch.setattr(bench, "cpu_seconds", fake)
    result = bench.startup_ratio(Helm(Path("/bin/helm"), "v4", "test"), runs=3)
    assert calls == ["render", "version"] * 3
    assert result.render_cpu_s == pytest.approx(0.12) and result.version_cpu_s == pytest.approx(0.05)
    assert result.ok


def test_cpu_time_counts_the_child_process() -> None:
    assert bench.cpu_seconds(["python3", "-c", "sum(range(3_000_000))"]) > 0.01
