"""The common library's helpers, through a probe chart that prints what each returns."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from chartops.render import RenderError, Request
from tests.helpers import ROOT, renderer

PROBE = ROOT / "tests" / "fixtures" / "common-probe"


def probe(values: dict[str, Any] | None = None, release: str = "rel", namespace: str = "apps") -> dict[str, Any]:
    objs = renderer().render(Request(PROBE, values or {}, release=release, namespace=namespace))
    return dict(objs[0])


def data(values: dict[str, Any] | None = None, **kw: Any) -> dict[str, str]:
    return dict(probe(values, **kw)["data"])


def test_fullname_is_release_and_chart_and_respects_overrides() -> None:
    assert data()["fullname"] == "rel-probe"
    assert data(release="probe-prod")["fullname"] == "probe-prod", "a release named after the chart is not doubled"
    assert data({"nameOverride": "edge"})["fullname"] == "rel-edge"
    assert data({"fullnameOverride": "fixed"})["fullname"] == "fixed"


def test_names_fit_a_dns_label_and_keep_the_component_suffix() -> None:
    long_release = "r" * 70
    d = data(release=long_release[:53])
    assert len(d["fullname"]) <= 63
    assert len(d["component"]) <= 63 and d["component"].endswith("-controller")
    assert not d["component"][:-len("-controller")].endswith("-")


def test_namespace_is_the_release_namespace_or_the_override() -> None:
    assert probe()["metadata"]["namespace"] == "apps"
    assert probe({"namespaceOverride": "kube-system"})["metadata"]["namespace"] == "kube-system"


def test_selector_labels_never_carry_the_version() -> None:
    selector = yaml.safe_load(data()["selector"])
    assert selector == {"app.kubernetes.io/name": "probe", "app.kubernetes.io/instance": "rel",
                        "app.kubernetes.io/component": "controller"}
    pod = yaml.safe_load(data()["podLabels"])
    assert "app.kubernetes.io/version" not in pod and "helm.sh/chart" not in pod and pod["team"] == "net"
    labels = probe()["metadata"]["labels"]
    assert labels["app.kubernetes.io/version"] == "9.9.9" and labels["helm.sh/chart"] == "probe-1.2.3"


def test_common_labels_reach_metadata() -> None:
    assert probe({"commonLabels": {"cost-center": "lab"}})["metadata"]["labels"]["cost-center"] == "lab"


@pytest.mark.parametrize(
    ("values", "image"),
    [
        ({}, "quay.io/metallb/controller:v0.16.1"),
        ({"image": {"registry": "quay.io", "repository": "metallb/controller", "tag": ""}},
         "quay.io/metallb/controller:9.9.9"),
        ({"image": {"registry": "", "repository": "library/mysql", "tag": "8.4"}}, "library/mysql:8.4"),
        ({"image": {"registry": "quay.io", "repository": "a/b", "tag": "1", "digest": "sha256:" + "a" * 64}},
         "quay.io/a/b:1@sha256:" + "a" * 64),
        ({"global": {"imageRegistry": "harbor.feng.org/proxy"}}, "harbor.feng.org/proxy/metallb/controller:v0.16.1"),
        ({"global": {"imageRegistry": "registry.cn-hangzhou.aliyuncs.com/google_containers", "imageFlatten": True}},
         "registry.cn-hangzhou.aliyuncs.com/google_containers/controller:v0.16.1"),
    ],
    ids=["pinned", "appVersion-tag", "no-registry", "digest", "mirror", "flat-mirror"],
)
def test_image_reference(values: dict[str, Any], image: str) -> None:
    assert data(values)["image"] == image


def test_pull_secrets_merge_global_and_local_without_duplicates() -> None:
    values = {"global": {"imagePullSecrets": ["harbor", {"name": "shared"}]},
              "imagePullSecrets": [{"name": "shared"}, "local"]}
    assert yaml.safe_load(data(values)["pullSecrets"]) == {
        "imagePullSecrets": [{"name": "harbor"}, {"name": "shared"}, {"name": "local"}]}
    assert data()["pullSecrets"] == ""


def test_security_contexts_default_to_restricted_and_override_key_by_key() -> None:
    container = yaml.safe_load(data()["securityContext"])
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}
    assert container["readOnlyRootFilesystem"] is True and container["runAsNonRoot"] is True
    relaxed = yaml.safe_load(data({"securityContext": {"readOnlyRootFilesystem": False}})["securityContext"])
    assert relaxed["readOnlyRootFilesystem"] is False, "an explicit false wins over the default"
    assert relaxed["capabilities"] == {"drop": ["ALL"]}
    pod = yaml.safe_load(data({"podSecurityContext": {"fsGroup": 999}})["podSecurityContext"])
    assert pod == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}, "fsGroup": 999}


@pytest.mark.parametrize(
    ("values", "expected"),
    [({}, None), ({"global": {"storageClass": "sc-nfs"}}, "sc-nfs"),
     ({"storageClass": "fast", "global": {"storageClass": "sc-nfs"}}, "fast"), ({"storageClass": "-"}, "")],
)
def test_storage_class_falls_back_to_global(values: dict[str, Any], expected: str | None) -> None:
    parsed = yaml.safe_load(data(values)["storageClass"]) or {}
    assert parsed.get("storageClassName") == expected


def test_ipv4_ranges_parse_order_and_reject_bad_input() -> None:
    ranges = ["10.0.0.10-10.0.0.50", "10.0.0.0/24", "10.0.0.7/24", "10.0.0.5", "10.0.0.50-10.0.0.10",
              "1.2.3.4/33", "300.1.1.1", "fd00::/64"]
    out = yaml.safe_load(data({"ranges": ranges})["ranges"])
    assert (out[0]["start"], out[0]["end"]) == (167772170, 167772210)
    assert (out[1]["start"], out[1]["end"], out[1]["prefix"]) == (167772160, 167772415, 24)
    assert out[2]["start"] == 167772160 and out[2]["address"] == 167772167, "host bits are reported, not hidden"
    assert out[3]["start"] == out[3]["end"] == 167772165
    assert "start after its end" in out[4]["error"]
    assert "CIDR" in out[5]["error"] and "IPv4" in out[6]["error"]
    assert out[7] == {"family": 6}


def test_required_value_fails_naming_the_key_and_what_to_set() -> None:
    with pytest.raises(RenderError) as err:
        probe({"required": {"value": ""}})
    assert "probe: site.server is required: set it to the server" in err.value.stderr
    assert data({"required": {"value": "x"}})["required"] == "x"


def test_namespace_object_carries_pod_security_labels_and_is_kept() -> None:
    objs = renderer().render(Request(PROBE, {"createNamespace": "edge"}, release="rel", namespace="apps"))
    ns = next(o for o in objs if o["kind"] == "Namespace")
    labels = ns["metadata"]["labels"]
    assert {labels[f"pod-security.kubernetes.io/{m}"] for m in ("enforce", "audit", "warn")} == {"baseline"}
    assert ns["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_the_release_namespace_is_never_rendered_as_an_object() -> None:
    """helm needs it before it creates anything, and one made by --create-namespace can't be adopted."""
    with pytest.raises(RenderError) as err:
        probe({"createNamespace": "apps"}, namespace="apps")
    assert 'would render the Namespace "apps" that the release itself is installed into' in err.value.stderr


def test_generated_secret_has_every_key_at_the_asked_length_and_is_kept() -> None:
    import base64

    objs = renderer().render(Request(PROBE, {"generatedKeys": ["a", "b"]}, release="rel", namespace="apps"))
    secret = next(o for o in objs if o["kind"] == "Secret")
    assert secret["metadata"]["namespace"] == "apps"
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert {k: len(base64.b64decode(v)) for k, v in secret["data"].items()} == {"a": 12, "b": 12}
