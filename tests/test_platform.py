"""The platform umbrella: what `helm install platform ./charts/platform -f values/lab.yaml` puts in a cluster.

Renders are shared: LAB (and the overlays layered on it) are rendered once per
session; each bad-input row is one more render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "platform"
LAB = ["values/lab.yaml"]
PRODUCTION = ["values/lab.yaml", "values/production.yaml"]
CN_MIRROR = ["values/lab.yaml", "values/cn-mirror.yaml"]
MIRROR = "registry.cn-hangzhou.aliyuncs.com/google_containers"

# The subcharts the umbrella carries, with the namespace each lands in and the
# Pod Security level the umbrella labels it with (None: kube-system, not ours).
COMPONENTS = {
    "nfs-subdir-provisioner": ("nfs-provisioner", "baseline"),
}


def lab() -> list[dict[str, Any]]:
    return render(CHART, values_files=LAB, release="platform")


def subchart_of(obj: dict[str, Any]) -> str | None:
    """Which subchart rendered an object, by its standard name label (None for the umbrella's own)."""
    name = (obj.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/name")
    return name if name in COMPONENTS else None


def lab_with(values: dict[str, Any]) -> list[dict[str, Any]]:
    return render(CHART, values=values, values_files=LAB, release="platform")


def lab_error(values: dict[str, Any]) -> str:
    return render_error(CHART, values=values, values_files=LAB, release="platform")


# --- what the lab gets -------------------------------------------------------


def test_lab_provisions_nfs_volumes_through_storageclass_sc_nfs() -> None:
    objs = lab()
    sc = one(objs, "StorageClass", "sc-nfs")
    deploy = one(objs, "Deployment", "platform-nfs-subdir-provisioner")
    env = {e["name"]: e.get("value") for e in containers(deploy)[0]["env"]}
    assert sc["provisioner"] == env["PROVISIONER_NAME"]
    assert sc["parameters"]["archiveOnDelete"] == "true"
    assert (env["NFS_SERVER"], env["NFS_PATH"]) == ("nfs.feng.org", "/data/sc-nfs")
    assert pod_spec(deploy)["volumes"][0]["nfs"] == {"server": "nfs.feng.org", "path": "/data/sc-nfs"}


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_each_component_lands_in_its_own_namespace(component: str) -> None:
    namespace, _ = COMPONENTS[component]
    mine = [o for o in lab() if subchart_of(o) == component and "namespace" in o["metadata"]]
    assert mine, f"{component} rendered no namespaced object"
    assert {o["metadata"]["namespace"] for o in mine} == {namespace}


def test_namespaces_carry_the_pod_security_level_each_component_needs() -> None:
    found = {
        ns["metadata"]["name"]: {
            k.rsplit("/", 1)[1]: v
            for k, v in ns["metadata"]["labels"].items()
            if k.startswith("pod-security.kubernetes.io/")
        }
        for ns in of_kind(lab(), "Namespace")
    }
    expected = {
        ns: {"enforce": level, "audit": level, "warn": level}
        for ns, level in COMPONENTS.values()
        if level is not None
    }
    assert found == expected


def test_namespaces_are_kept_on_uninstall() -> None:
    for ns in of_kind(lab(), "Namespace"):
        assert ns["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_disabled_component_renders_nothing_and_gets_no_namespace() -> None:
    objs = lab_with({"nfs-subdir-provisioner": {"enabled": False}})
    assert not [o for o in objs if subchart_of(o) == "nfs-subdir-provisioner"]
    assert "nfs-provisioner" not in {ns["metadata"]["name"] for ns in of_kind(objs, "Namespace")}


def test_namespaces_can_be_left_to_someone_else() -> None:
    assert not of_kind(lab_with({"namespaces": {"create": False}}), "Namespace")


def test_global_image_registry_reaches_every_container() -> None:
    objs = lab_with({"global": {"imageRegistry": "harbor.feng.org/proxy"}})
    images = [c["image"] for o in objs for c in containers(o)]
    assert images
    assert all(i.startswith("harbor.feng.org/proxy/") for i in images), images


def test_global_pull_secrets_reach_every_pod() -> None:
    objs = lab_with({"global": {"imagePullSecrets": ["harbor"]}})
    specs = [pod_spec(o) for o in objs if pod_spec(o) is not None]
    assert specs
    assert all({"name": "harbor"} in (s.get("imagePullSecrets") or []) for s in specs)


# --- with no values file at all ----------------------------------------------


def test_no_values_stops_with_one_message_listing_every_site_value() -> None:
    msg = render_error(CHART, release="platform")
    assert "platform: site-specific values are missing" in msg
    for key in ("nfs-subdir-provisioner.nfs.server", "nfs-subdir-provisioner.nfs.path"):
        assert key in msg
    # the umbrella's message, not the first subchart check that happened to run
    assert "is required: set it to" not in msg


def test_no_values_message_lists_only_enabled_components() -> None:
    msg = render_error(CHART, values={"nfs-subdir-provisioner": {"enabled": False}}, release="platform")
    assert "nfs-subdir-provisioner.nfs" not in msg


def test_umbrella_checks_run_before_any_subchart_template() -> None:
    """helm renders deeper template paths first; the umbrella's validate must be the deepest."""
    chart = ROOT / "charts" / CHART
    checks = chart / "templates/checks/run/before/the/subcharts/validate.yaml"
    depth = len(checks.relative_to(chart).parts)
    for sub in (p for p in (chart / "charts").iterdir() if p.is_dir()):
        for tpl in (sub / "templates").rglob("*"):
            if tpl.is_file() and not tpl.name.startswith("_"):
                sub_depth = len(Path("charts", sub.name, tpl.relative_to(sub)).parts)
                assert sub_depth < depth, f"{tpl} renders before the umbrella's checks"


# --- bad input ---------------------------------------------------------------

BAD = [
    pytest.param({"bogus": 1}, "additional properties 'bogus' not allowed", id="unknown-top-level-key"),
    pytest.param(
        {"nfs-subdir-provisioner": {"nfs": {"bogus": 1}}},
        "additional properties 'bogus' not allowed",
        id="unknown-key-in-subchart",
    ),
    pytest.param(
        {"global": {"network": {"podCIDR": "10.96.0.0/16"}}},
        "global.network.podCIDR \"10.96.0.0/16\" overlaps the service network (global.network.serviceCIDR",
        id="pod-cidr-overlaps-service-cidr",
    ),
    pytest.param(
        {"global": {"network": {"podCIDR": "10.0.0.0/16"}}},
        "global.network.podCIDR \"10.0.0.0/16\" overlaps the node network (global.network.nodeCIDR",
        id="pod-cidr-overlaps-node-cidr",
    ),
]


@pytest.mark.parametrize(("values", "fragment"), BAD)
def test_bad_input_fails_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in lab_error(values)


def test_unknown_nested_key_is_reported_under_the_subchart() -> None:
    msg = lab_error({"nfs-subdir-provisioner": {"nfs": {"bogus": 1}}})
    assert "nfs-subdir-provisioner" in msg and "/nfs" in msg


# --- overlays ----------------------------------------------------------------


def overlay_files() -> list[Path]:
    return sorted(p for p in (ROOT / "values").glob("*.yaml") if p.name != "lab.yaml")


def test_overlays_say_they_are_layered_on_a_site_file() -> None:
    for path in overlay_files():
        head = path.read_text().split("\n\n", 1)[0]
        assert "-f values/lab.yaml -f values/" + path.name in head, path


def test_every_values_file_is_valid_yaml_map() -> None:
    for path in (ROOT / "values").glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
