"""The image list: pod templates, operator-started images, mirror rewrites, the copy script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.charts import get
from chartops.images import (
    Ref,
    chart_for,
    copy_script,
    destination,
    images,
    images_in,
    mirror_plan,
    pairs,
    targets,
)
from tests.helpers import ROOT, renderer

MIRROR = "harbor.feng.org/mirror"
OPERATOR = {"kind": "Deployment", "metadata": {"name": "tigera-operator"},
            "spec": {"template": {"spec": {"containers": [{"name": "o", "image": "quay.io/tigera/operator:v1.42.3"}]}}}}


def installation(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "operator.tigera.io/v1", "kind": "Installation", "metadata": {"name": "default"},
            "spec": {"variant": "Calico", **spec}}


def test_pod_template_containers_and_init_containers_are_listed_once_and_sorted() -> None:
    pod = {"containers": [{"name": "a", "image": "b.io/x:1"}], "initContainers": [{"name": "i", "image": "a.io/y:2"}]}
    objs = [
        {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}},
        {"kind": "CronJob", "metadata": {"name": "c"},
         "spec": {"jobTemplate": {"spec": {"template": {"spec": pod}}}}},
    ]
    assert images_in(objs) == ["a.io/y:2", "b.io/x:1"]


def test_calico_components_come_from_the_installation_at_the_operators_release() -> None:
    found = images_in([OPERATOR, installation()])
    for component in ("node", "cni", "kube-controllers", "typha", "pod2daemon-flexvol", "csi",
                      "node-driver-registrar"):
        assert f"quay.io/calico/{component}:v3.32.1" in found


def test_the_installation_registry_and_image_path_rewrite_calico_images() -> None:
    found = images_in([OPERATOR, installation(registry=MIRROR, imagePath="calico-mirror", imagePrefix="x-")])
    assert f"{MIRROR}/calico-mirror/x-node:v3.32.1" in found
    assert not [i for i in found if i.startswith("quay.io/calico/")]


def test_a_disabled_csi_driver_drops_its_images() -> None:
    found = images_in([OPERATOR, installation(kubeletVolumePluginPath="None")])
    assert not [i for i in found if "csi" in i or "node-driver-registrar" in i]


def test_the_api_server_cr_adds_calico_apiserver_from_the_installation_registry() -> None:
    cr = {"apiVersion": "operator.tigera.io/v1", "kind": "APIServer", "metadata": {"name": "default"}, "spec": {}}
    assert "quay.io/calico/apiserver:v3.32.1" in images_in([OPERATOR, installation(), cr])
    assert f"{MIRROR}/calico/apiserver:v3.32.1" in images_in([OPERATOR, installation(registry=MIRROR), cr])


def es(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch", "metadata": {"name": "es"},
            "spec": {"version": "9.5.0", **spec}}


def test_elasticsearch_runs_the_stack_image_of_its_version() -> None:
    assert images_in([es()]) == ["docker.elastic.co/elasticsearch/elasticsearch:9.5.0"]


def test_the_eck_container_registry_rewrites_stack_images() -> None:
    config = {"kind": "ConfigMap", "metadata": {"name": "elastic-operator"},
              "data": {"eck.yaml": f"container-registry: {MIRROR}\n"}}
    assert images_in([es()], [es(), config]) == [f"{MIRROR}/elasticsearch/elasticsearch:9.5.0"]


def test_an_explicit_spec_image_wins() -> None:
    assert images_in([es(image=f"{MIRROR}/es:9.5.0")]) == [f"{MIRROR}/es:9.5.0"]


def test_custom_resource_definitions_contribute_no_images() -> None:
    crd = {"kind": "CustomResourceDefinition", "metadata": {"name": "x"},
           "spec": {"containers": [{"image": "not-an-image"}]}}
    assert images_in([crd]) == []


@pytest.mark.parametrize(("path", "chart"), [
    ("values/lab.yaml", "platform"),
    ("values/cn-mirror.yaml", "platform"),
    ("values/apps/elasticsearch-lab.yaml", "elasticsearch"),
    ("values/apps/eck-operator-lab.yaml", "eck-operator"),
    ("values/apps/nfs-subdir-provisioner-prod.yaml", "nfs-subdir-provisioner"),
])
def test_a_values_file_names_the_chart_it_configures(path: str, chart: str) -> None:
    assert chart_for(Path(path), [get("common"), get("nfs-subdir-provisioner"), get("eck-operator"),
                                  get("elasticsearch"), get("platform")]).name == chart


def test_platform_globals_apply_to_the_app_charts_too(tmp_path: Path) -> None:
    env = tmp_path / "mirror.yaml"
    env.write_text(f"global:\n  imageRegistry: {MIRROR}\n")
    apps = tmp_path / "apps"
    apps.mkdir()
    app = apps / "nfs-subdir-provisioner-lab.yaml"
    app.write_text("nfs: {server: 10.0.0.101, path: /data}\n")
    (platform, nfs) = targets([env, app], [get("nfs-subdir-provisioner"), get("platform")])
    assert platform.chart.name == "platform" and platform.values == {}
    assert nfs.values == {"global": {"imageRegistry": MIRROR}}


def test_references_split_into_registry_path_tag_and_digest() -> None:
    assert Ref.parse("registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:abc") == Ref(
        "registry.k8s.io", "ingress-nginx/controller", "v1.15.1", "sha256:abc")
    assert Ref.parse("busybox:1.36") == Ref("docker.io", "busybox", "1.36", "")
    assert Ref.parse("localhost:5000/a/b") == Ref("localhost:5000", "a/b", "", "")


def test_a_mirror_keeps_the_repository_path_or_only_its_name_when_flat() -> None:
    assert destination("quay.io/calico/node:v3.32.1", MIRROR) == f"{MIRROR}/calico/node:v3.32.1"
    assert destination("quay.io/calico/node:v3.32.1", MIRROR, flatten=True) == f"{MIRROR}/node:v3.32.1"


def test_the_copy_script_copies_each_upstream_image_to_its_rewritten_reference() -> None:
    src = "registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:abc"
    dst = f"{MIRROR}/ingress-nginx/controller:v1.15.1@sha256:abc"
    copies = pairs([src, "quay.io/a/b:1"], [dst, "quay.io/a/b:1"])
    assert copies == [(src, dst)]
    script = copy_script(copies, ["quay.io/a/b:1"])
    assert script.startswith("#!/usr/bin/env bash")
    assert (f"skopeo copy --all --preserve-digests docker://{src} "
            f"docker://{MIRROR}/ingress-nginx/controller:v1.15.1") in script
    assert "#   quay.io/a/b:1" in script


def mirror_overlay(tmp_path: Path) -> Path:
    """values/cn-mirror.yaml when it exists, else an equivalent overlay of our own."""
    real = ROOT / "values" / "cn-mirror.yaml"
    if real.is_file():
        return real
    own = tmp_path / "cn-mirror.yaml"
    own.write_text(f"global:\n  imageRegistry: {MIRROR}\n")
    return own


def test_the_lab_install_lists_images() -> None:
    assert images(renderer(), [ROOT / "values" / "lab.yaml"])


def test_every_lab_image_is_rewritten_by_the_mirror_overlay(tmp_path: Path) -> None:
    overlay = mirror_overlay(tmp_path)
    registry = str(yaml.safe_load(overlay.read_text())["global"]["imageRegistry"]).rstrip("/")
    found = images(renderer(), [ROOT / "values" / "lab.yaml", overlay])
    assert found and [i for i in found if not i.startswith(registry + "/")] == []


def test_the_mirror_plan_copies_every_lab_image_into_the_mirror(tmp_path: Path) -> None:
    overlay = mirror_overlay(tmp_path)
    copies, unmirrored = mirror_plan(renderer(), [ROOT / "values" / "lab.yaml", overlay])
    assert unmirrored == []
    assert sorted(dst for _, dst in copies) == images(renderer(), [ROOT / "values" / "lab.yaml", overlay])
