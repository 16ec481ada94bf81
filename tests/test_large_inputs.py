"""The inputs `invoke bench` times (10,000 pools, chartops.bench) are values the charts accept, and
the linear checks still catch the one bad item among thousands. Timings live in `invoke bench`."""

from __future__ import annotations

from typing import Any

import pytest

from chartops import bench
from tests.helpers import of_kind, render, render_error


@pytest.mark.parametrize("chart,kind", [("metallb", "IPAddressPool"), ("calico", None)])
def test_bench_inputs_are_valid_values(chart: str, kind: str | None) -> None:
    make = {"metallb": bench.metallb_pools, "calico": bench.calico_pools}[chart]
    objs = render(chart, values=make(300))
    if kind:
        assert len(of_kind(objs, kind)) == 300
    else:
        pools = next(o for o in objs if o["kind"] == "Installation")["spec"]["calicoNetwork"]["ipPools"]
        assert len(pools) == 300 and pools[-1]["cidr"] == "10.1.43.0/24"


def _with_last(values: dict[str, Any], key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {**values, key: [*values[key], item]}


def test_metallb_finds_the_one_overlap_among_thousands_of_pools() -> None:
    values = _with_last(bench.metallb_pools(2000), "addressPools", {"name": "late", "addresses": ["10.0.0.20-10.0.0.21"]})
    assert "addressPools[2000].addresses[0] 10.0.0.20-10.0.0.21 overlaps addressPools[1].addresses[0]" in \
        render_error("metallb", values=values)


def test_calico_finds_the_one_overlap_among_thousands_of_pools() -> None:
    values = _with_last(bench.calico_pools(2000), "ipPools", {"name": "late", "cidr": "10.7.192.0/20"})
    assert "ipPools[2000].cidr 10.7.192.0/20 overlaps ipPools[1984] (10.7.192.0/24)" in render_error("calico",
                                                                                                   values=values)


def test_duplicate_names_among_thousands_are_named() -> None:
    values = _with_last(bench.calico_pools(2000), "ipPools", {"name": "pool-7", "cidr": "10.200.0.0/24"})
    assert 'ipPools[2000].name "pool-7" is used twice (also ipPools[7])' in render_error("calico", values=values)
    values = _with_last(bench.metallb_pools(2000), "addressPools", {"name": "pool-7", "addresses": ["10.200.0.0/24"]})
    assert 'addressPools[2000].name "pool-7" is used twice (also addressPools[7])' in render_error("metallb",
                                                                                                     values=values)


def test_bench_times_both_charts_and_judges_cpu_time() -> None:
    assert {"metallb", "calico"} <= {chart for chart, _, _ in bench.LARGE_INPUTS}
    fast = bench.LargeTiming("metallb: 10,000 address pools", wall_s=30.0, cpu_s=3.0, ok=True)
    slow = bench.LargeTiming("calico: 10,000 IP pools", wall_s=9.0, cpu_s=11.0, ok=True)
    report = bench.large_report([fast, slow])
    lines = report.splitlines()
    assert "OVER" not in lines[1] and "OVER the 10 s budget" in lines[2]
