"""The admission webhook certificate the chart generates is one the API server accepts
for the Service it calls: its subject and SANs name that Service, the CA in the webhook
configuration signed it, and its key matches."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from tests.helpers import of_kind, one, render


def test_ingress_nginx_webhook_cert_names_the_admission_service_and_chains_to_the_ca_bundle() -> None:
    objs = render("ingress-nginx")
    svc = next(s for s in of_kind(objs, "Service") if s["metadata"]["name"].endswith("-admission"))
    name, ns = svc["metadata"]["name"], svc["metadata"].get("namespace", "default")
    secret = next(s for s in of_kind(objs, "Secret") if s["metadata"]["name"].endswith("-admission"))
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    key = serialization.load_pem_private_key(base64.b64decode(secret["data"]["tls.key"]), None)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert f"{name}.{ns}.svc" in sans and f"{name}.{ns}" in sans and name in sans
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"{name}.{ns}.svc"
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]
    webhook = one(objs, "ValidatingWebhookConfiguration")["webhooks"][0]
    ca = x509.load_pem_x509_certificate(base64.b64decode(webhook["clientConfig"]["caBundle"]))
    cert.verify_directly_issued_by(ca)
    assert webhook["clientConfig"]["service"]["name"] == name
