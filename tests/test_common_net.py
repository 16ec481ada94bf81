"""common's IPv4 helpers at their edges: address printing and range overlap, where
ranges that touch at one address overlap and adjacent ones don't (MetalLB pools,
Calico pools, the service CIDR all rely on this)."""

from __future__ import annotations

from chartops.render import Request
from tests.helpers import ROOT, renderer

PROBE = ROOT / "tests" / "fixtures" / "common-probe"


def _net(ints: list[int] | None = None, pairs: list[list[str]] | None = None) -> dict[str, str]:
    objs = renderer().render(Request(PROBE, {"netProbe": {"ints": ints or [], "pairs": pairs or []}}))
    return dict(next(o for o in objs if o["metadata"]["name"] == "net-probe")["data"])


def test_integers_print_as_dotted_addresses() -> None:
    ints = [0, 167772170, 3232235777, 4294967295, 16909060, 16777215, 65535, 255]
    assert list(_net(ints=ints).values()) == [
        "0.0.0.0", "10.0.0.10", "192.168.1.1", "255.255.255.255", "1.2.3.4", "0.255.255.255", "0.0.255.255",
        "0.0.0.255",
    ]


def test_ranges_overlap_when_they_share_an_address_even_one() -> None:
    pairs = [
        ["10.0.0.1-10.0.0.10", "10.0.0.10-10.0.0.20"],   # touch at .10
        ["10.0.0.10-10.0.0.20", "10.0.0.1-10.0.0.10"],   # the same, the other way round
        ["10.0.0.1-10.0.0.9", "10.0.0.10-10.0.0.20"],    # adjacent: no shared address
        ["10.0.0.10-10.0.0.20", "10.0.0.1-10.0.0.9"],
        ["10.0.0.0/24", "10.0.0.77"],                    # one inside the other
        ["10.0.0.0/25", "10.0.0.128/25"],
        ["10.0.0.0/24", "10.0.1.0/24"],
    ]
    assert list(_net(pairs=pairs).values()) == ["true", "true", "false", "false", "true", "false", "false"]
