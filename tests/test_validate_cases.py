"""One bad-input case per `fail` check of a chart's _validate.tpl that no other test
exercises alone: the render fails, naming the key (and nothing else fails first)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import render, render_error

ECK_RESTRICTED = ("charts/eck-operator/ci/restricted-values.yaml",)

CASES: list[tuple[str, tuple[str, ...], dict[str, Any], str]] = [
    ("eck-operator", ECK_RESTRICTED, {"config": {"managedNamespaces": []}}, "config.managedNamespaces is empty"),
    ("eck-operator", ECK_RESTRICTED, {"webhook": {"enabled": True}}, "webhook.enabled must be false"),
    ("eck-operator", ECK_RESTRICTED, {"crds": {"enabled": True}}, "crds.enabled must be false"),
    ("eck-operator", ECK_RESTRICTED, {"namespace": {"create": True}}, "namespace.create must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"validateStorageClass": True}},
     "config.validateStorageClass must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"metrics": {"secure": True}}}, "config.metrics.secure must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"exposedNodeLabels": ["topology.kubernetes.io/zone"]}},
     "config.exposedNodeLabels must be empty"),
    ("eck-operator", (), {"webhook": {"enabled": False}, "config": {"metrics": {"port": 0}}},
     "config.metrics.port must be set"),
    ("eck-operator", (), {"config": {"metrics": {"port": 9443}}}, "config.metrics.port must differ from webhook.port"),
]


@pytest.mark.parametrize("chart, files, values, message", CASES,
                         ids=[f"{c[0]}:{c[3].split()[0]}" for c in CASES])
def test_bad_input_fails_naming_the_key(chart: str, files: tuple[str, ...], values: dict[str, Any],
                                       message: str) -> None:
    assert render(chart, values_files=files), "the base renders"
    assert message in render_error(chart, values, values_files=files)


def _metallb_pools(*addresses: str) -> dict[str, Any]:
    names = [f"p{i}" for i in range(len(addresses))]
    return {"addressPools": [{"name": n, "addresses": [a]} for n, a in zip(names, addresses, strict=True)],
            "l2Advertisements": [{"name": "l2", "ipAddressPools": names}]}


@pytest.mark.parametrize("addresses, message", [
    (("10.0.0.10-10.0.0.300",), "addressPools[0].addresses[0] 10.0.0.10-10.0.0.300: 10.0.0.300 is not a valid IP"),
    (("10.0.0.300-10.0.0.10",), "addressPools[0].addresses[0] 10.0.0.300-10.0.0.10: 10.0.0.300 is not a valid IP"),
    (("10.0.0.10-fd00::1",), "start and end are of different IP families (IPv4 and IPv6)"),
    # ranges that touch at one address overlap
    (("10.0.0.1-10.0.0.10", "10.0.0.10-10.0.0.20"), "addressPools[1].addresses[0] 10.0.0.10-10.0.0.20 overlaps "
                                                    "addressPools[0].addresses[0] 10.0.0.1-10.0.0.10"),
    (("10.0.0.10-10.0.0.20", "10.0.0.1-10.0.0.10"), "addressPools[1].addresses[0] 10.0.0.1-10.0.0.10 overlaps"),
    (("fd00::1-fd00::10", "fd00::10-fd00::20"), "addressPools[1].addresses[0] fd00::10-fd00::20 overlaps"),
])
def test_metallb_bad_pool_addresses_fail_naming_the_address(addresses: tuple[str, ...], message: str) -> None:
    assert message in render_error("metallb", _metallb_pools(*addresses))


@pytest.mark.parametrize("addresses", [
    ("10.0.0.1-10.0.0.9", "10.0.0.10-10.0.0.20"),  # adjacent, no shared address
    ("10.0.0.0/24", "fd00::/64"),                  # different families never overlap
    ("fd00::1-fd00::f", "fd00::10-fd00::20"),
])
def test_metallb_pools_that_share_no_address_render(addresses: tuple[str, ...]) -> None:
    pools = [o for o in render("metallb", _metallb_pools(*addresses)) if o["kind"] == "IPAddressPool"]
    assert [p["spec"]["addresses"] for p in pools] == [[a] for a in addresses]
