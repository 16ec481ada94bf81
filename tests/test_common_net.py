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


def _probe(**values: object) -> dict[str, str]:
    objs = renderer().render(Request(PROBE, {"netProbe": values}))
    return dict(next(o for o in objs if o["metadata"]["name"] == "net-probe")["data"])


def test_ip_family_tells_ipv4_ipv6_and_neither_apart() -> None:
    found = _probe(families=["10.0.0.1", "2001:db8::1", "::", "::ffff:10.0.0.1", "fe80::1:2:3:4:5:6",
                             "10.0.0.256", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "::ffff:10.0.0.300", "10.0.0.1:53",
                             "[2001:db8::1]", "2001:db8::1%eth0", "g::1"])
    assert list(found.values()) == ["4", "6", "6", "6", "6", "", "", "", "", "", "", "", ""]


def test_ipv6_bits_spell_the_address() -> None:
    found = _probe(bits=["::", "::1", "2001:db8::ff", "::ffff:10.0.0.1", "FFFF::"])
    assert found["bits-0"] == "0" * 128
    assert found["bits-1"] == "0" * 127 + "1"
    assert found["bits-2"] == f"{0x2001:016b}{0xdb8:016b}" + "0" * 88 + f"{0xff:08b}"
    assert found["bits-3"] == "0" * 80 + "1" * 16 + f"{10:08b}" + "0" * 16 + "00000001"
    assert found["bits-4"] == "1" * 16 + "0" * 112


def test_first_overlap_finds_a_pair_in_any_order_and_only_when_they_share_an_address() -> None:
    sets = [
        ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0-10.0.2.9"],            # adjacent, none shared
        ["10.0.2.0/24", "10.0.0.0/24", "10.0.1.0/24", "10.0.0.255"],    # last one inside the second
        ["10.0.0.0-10.0.0.100", "10.0.0.200/29", "10.0.0.100"],          # touch at one address
        ["10.1.0.0/16", "10.0.0.0/8"],                                   # the later one holds the earlier
        ["10.0.0.0/24", "2001:db8::-2001:db8::ff"],                      # families never overlap
        ["2001:db8::-2001:db8::ff", "2001:db8::f0-2001:db8::1:0"],       # IPv6 by bits
        ["2001:db8::1", "10.0.0.0/24"],                                  # an IPv4 check skips IPv6 (no start)
    ]
    found = _probe(overlapSets=sets)
    assert list(found.values()) == ["none", '["001","003"]', '["000","002"]', '["000","001"]', "none",
                                    '["000","001"]', "none"]


def test_first_overlap_stays_linear_for_thousands_of_ranges() -> None:
    """2,000 ranges in one render (the quadratic check took minutes at this size); the overlap
    between the first and the last is still found."""
    ranges = [f"10.{i // 256}.{i % 256}.0/24" for i in range(2000)] + ["10.0.0.128/25"]
    assert _probe(overlapSets=[ranges])["overlap-0"] == '["000","2000"]'
