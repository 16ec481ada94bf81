"""metallb render-time checks: pools right next to each other are not an overlap (either family, any
notation), pools sharing an address are, and names that must be unique are."""

from __future__ import annotations

import pytest

from tests.helpers import of_kind, render, render_error

CHART = "metallb"


def two_pools(a: list[str], b: list[str]) -> dict[str, object]:
    return {"addressPools": [{"name": "a", "addresses": a}, {"name": "b", "addresses": b}]}


@pytest.mark.parametrize(("a", "b"), [
    (["10.0.0.0/25"], ["10.0.0.128/25"]),
    (["10.0.0.0/24"], ["10.0.1.0-10.0.1.10"]),
    (["10.0.0.0-10.0.0.127"], ["10.0.0.128/26"]),
    (["2001:db8::/64"], ["2001:db8:0:1::/64"]),
    (["2001:db8::/127"], ["2001:0db8:0000:0000:0000:0000:0000:0002-2001:db8::ff"]),
], ids=["cidr-cidr", "cidr-range", "range-cidr", "ipv6-cidr-cidr", "ipv6-full-notation"])
def test_adjacent_pools_render(a: list[str], b: list[str]) -> None:
    pools = {p["metadata"]["name"]: p["spec"]["addresses"] for p in of_kind(render(CHART, values=two_pools(a, b)),
                                                                               "IPAddressPool")}
    assert pools == {"a": a, "b": b}


@pytest.mark.parametrize(("a", "b"), [
    (["10.0.0.0/25"], ["10.0.0.127/32"]),
    (["2001:db8::/127"], ["2001:0db8:0000:0000:0000:0000:0000:0001-2001:db8::ff"]),
], ids=["ipv4-last-address", "ipv6-full-notation"])
def test_pools_sharing_one_address_are_refused(a: list[str], b: list[str]) -> None:
    assert "addressPools[1].addresses[0]" in render_error(CHART, values=two_pools(a, b))


def test_a_community_alias_defined_twice_is_refused() -> None:
    """Two values under one alias: which one an advertisement would get is a guess."""
    values = {"communities": [{"name": "no-export", "value": "65535:65281"},
                              {"name": "no-export", "value": "65535:65282"}]}
    assert 'communities[1].name "no-export" is used twice' in render_error(CHART, values=values)
