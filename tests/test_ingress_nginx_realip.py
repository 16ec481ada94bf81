"""ingress-nginx: each client-address setting reaches the controller's ConfigMap, off by default."""

from __future__ import annotations

import pytest

from tests.helpers import one, render

CHART = "ingress-nginx"
SETTINGS = {"useForwardedHeaders": "use-forwarded-headers", "computeFullForwardedFor": "compute-full-forwarded-for",
            "useProxyProtocol": "use-proxy-protocol"}


def configmap(real_ip: dict[str, object]) -> dict[str, str]:
    objs = render(CHART, values={"controller": {"realIP": real_ip}})
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-controller")]
    return dict(cm["data"])


@pytest.mark.parametrize("value", list(SETTINGS))
def test_each_real_ip_setting_reaches_its_key_alone(value: str) -> None:
    data = configmap({value: True})
    assert {key: data[key] for key in SETTINGS.values()} == {
        key: "true" if name == value else "false" for name, key in SETTINGS.items()}
    assert "proxy-real-ip-cidr" not in data, "no trusted range unless one is given"


def test_the_controller_reads_that_configmap() -> None:
    objs = render(CHART)
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-controller")]
    args = one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--configmap=$(POD_NAMESPACE)/{cm['metadata']['name']}" in args
