"""The `lookup` paths `helm template` never takes, on a real API server: every chart that generates a
password, a key or a certificate keeps the very bytes it generated on the first install through
upgrades (with changed values, with --reset-values), and what refers to them (a webhook's
caBundle) keeps pointing at them. Without the lookup, each upgrade would rotate the passwords
under the data and break every client.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from tests.cluster_helpers import Kube

pytestmark = [pytest.mark.cluster]


@dataclass(frozen=True)
class Generates:
    chart: str
    args: tuple[str, ...]  # values of a small install (no pods to wait for)
    secrets: tuple[str, ...]  # the generated Secrets, by name (release "gen")
    change: tuple[str, ...]  # an upgrade that re-renders the templates


CASES = [
    Generates("mysql", ("--set", "persistence.enabled=false"), ("gen-mysql",),
              ("--set", "podAnnotations.changed=yes")),
    Generates("wordpress", ("--set", "mysql.enabled=false", "--set", "externalDatabase.host=db.example.com",
                            "--set", "externalDatabase.password=x", "--set", "persistence.enabled=false",
                            "--set", "install.enabled=false"),
              ("gen-wordpress-keys",), ("--set", "podAnnotations.changed=yes")),
    Generates("ingress-nginx", ("--set", "controller.service.type=ClusterIP"), ("gen-ingress-nginx-admission",),
              ("--set", "controller.replicaCount=2")),
]


def _data(kube: Kube, ns: str, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {n: kube.get("secret", n, "-n", ns)["data"] for n in names}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.chart)
def test_generated_secrets_keep_their_bytes_through_upgrades(kube: Kube, case: Generates) -> None:
    ns = kube.namespace(case.chart[:8])
    chart = f"charts/{case.chart}"
    kube.helm("install", "gen", chart, "-n", ns, *case.args)
    first = _data(kube, ns, case.secrets)
    assert all(first.values()), f"{case.chart}: a generated Secret is empty: {first}"

    kube.helm("upgrade", "gen", chart, "-n", ns, *case.args, *case.change)
    assert _data(kube, ns, case.secrets) == first, f"{case.chart}: an upgrade with changed values rotated a Secret"

    kube.helm("upgrade", "gen", chart, "-n", ns, "--reset-values", *case.args)
    assert _data(kube, ns, case.secrets) == first, f"{case.chart}: an upgrade with --reset-values rotated a Secret"

    if case.chart == "ingress-nginx":
        webhook = kube.get("validatingwebhookconfiguration", "gen-ingress-nginx-admission")
        bundles = {w["clientConfig"]["caBundle"] for w in webhook["webhooks"]}
        assert bundles == {first["gen-ingress-nginx-admission"]["ca.crt"]}, "the webhook trusts another CA"
        cert = base64.b64decode(first["gen-ingress-nginx-admission"]["tls.crt"]).decode()
        assert "BEGIN CERTIFICATE" in cert
    kube.helm("uninstall", "gen", "-n", ns)

