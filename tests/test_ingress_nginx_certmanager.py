"""ingress-nginx: the admission webhook's certificate from cert-manager, through a CA the chart makes."""

from __future__ import annotations

from typing import Any

from tests.helpers import one, render

CHART = "ingress-nginx"
CERT_MANAGER = [f"charts/{CHART}/ci/cert-manager-values.yaml"]


def by_name(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def test_the_webhook_certificate_chains_to_the_charts_own_ca() -> None:
    """self-signed Issuer -> CA Certificate (isCA, its Secret) -> CA Issuer reading that Secret ->
    the webhook's Certificate, whose Secret the controller mounts."""
    objs = render(CHART, values_files=CERT_MANAGER)
    issuers, certs = by_name(objs, "Issuer"), by_name(objs, "Certificate")
    (self_signed,) = [i for i in issuers.values() if "selfSigned" in i["spec"]]
    (ca_issuer,) = [i for i in issuers.values() if "ca" in i["spec"]]
    (ca_cert,) = [c for c in certs.values() if c["spec"].get("isCA")]
    (webhook_cert,) = [c for c in certs.values() if not c["spec"].get("isCA")]
    assert ca_cert["spec"]["issuerRef"] == {"kind": "Issuer", "name": self_signed["metadata"]["name"]}
    assert ca_issuer["spec"]["ca"]["secretName"] == ca_cert["spec"]["secretName"]
    assert webhook_cert["spec"]["issuerRef"] == {"kind": "Issuer", "name": ca_issuer["metadata"]["name"]}
    deploy = one(objs, "Deployment")
    secrets = {v["secret"]["secretName"] for v in deploy["spec"]["template"]["spec"]["volumes"] if "secret" in v}
    assert webhook_cert["spec"]["secretName"] in secrets
    namespace = deploy["metadata"]["namespace"]
    assert {o["metadata"]["namespace"] for o in [*issuers.values(), *certs.values()]} == {namespace}


def test_the_cas_validity_follows_validity_days() -> None:
    objs = render(CHART, values={"controller": {"admissionWebhook": {"certificate": {
        "source": "certManager", "validityDays": 400}}}})
    (ca_cert,) = [c for c in by_name(objs, "Certificate").values() if c["spec"].get("isCA")]
    assert ca_cert["spec"]["duration"] == "9600h"
