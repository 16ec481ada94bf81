"""The image list: pod templates, operator-started images, mirror rewrites, the copy script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.charts import get
from chartops.images import (
    ImagesError,
    Ref,
    chart_for,
    checked_images,
    collisions,
    copy_script,
    destination,
    images,
    images_in,
    mirror_plan,
    pairs,
    targets,
)
from tests.helpers import ROOT, containers, of_kind, render, render_error, renderer

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


# --- mirrors that rename images, and clashes on a flat mirror ----------------------------------------

CN = "registry.cn-hangzhou.aliyuncs.com/google_containers"
LAB = ROOT / "values" / "lab.yaml"


def pod_images_of(objs: list[dict[str, Any]]) -> set[str]:
    return {c["image"] for kind in ("Deployment", "DaemonSet") for o in of_kind(objs, kind) for c in containers(o)}


def test_a_renamed_image_takes_its_mirror_name_and_the_rest_flatten() -> None:
    objs = render("platform", {"global": {"imageRegistry": CN, "imageFlatten": True, "imageRepositories": {
        "registry.k8s.io/ingress-nginx/controller": "nginx-ingress-controller",
        "quay.io/metallb/controller": "metallb-controller"}}}, ["values/lab.yaml"])
    found = pod_images_of(objs)
    assert any(i.startswith(f"{CN}/nginx-ingress-controller:") for i in found), found
    assert any(i.startswith(f"{CN}/metallb-controller:") for i in found), found
    assert any(i.startswith(f"{CN}/speaker:") for i in found), found  # not mapped: flattened
    assert not [i for i in found if not i.startswith(CN + "/")]


def test_a_renamed_image_keeps_the_mirror_name_without_flattening() -> None:
    objs = render("metallb", {"global": {"imageRegistry": CN, "imageRepositories": {
        "quay.io/metallb/speaker": "metallb/metallb-speaker"}}})
    found = pod_images_of(objs)
    assert any(i.startswith(f"{CN}/metallb/metallb-speaker:") for i in found), found
    assert any(i.startswith(f"{CN}/metallb/controller:") for i in found), found


def test_a_flat_mirror_refuses_two_images_on_one_repository_naming_both() -> None:
    err = render_error("platform", {"global": {"imageRegistry": CN, "imageFlatten": True}}, ["values/lab.yaml"])
    assert "ingress-nginx.controller.image (registry.k8s.io/ingress-nginx/controller)" in err
    assert "metallb.controller.image (quay.io/metallb/controller)" in err
    assert f"{CN}/controller" in err and "global.imageRepositories" in err


def test_two_images_renamed_onto_one_name_are_refused_in_one_chart() -> None:
    err = render_error("metallb", {"global": {"imageRegistry": CN, "imageRepositories": {
        "quay.io/metallb/controller": "metallb", "quay.io/metallb/speaker": "metallb"}}})
    assert "controller.image (quay.io/metallb/controller)" in err and "speaker.image (quay.io/metallb/speaker)" in err


@pytest.mark.parametrize(("mapping", "where"), [
    pytest.param({"Not A Registry/x": "x"}, "/global/imageRepositories", id="bad-upstream-key"),  # additional property
    pytest.param({"quay.io/metallb/speaker": "Metallb Speaker"}, "/global/imageRepositories/quay.io~1metallb~1speaker",
                 id="bad-mirror-name"),
    pytest.param({"quay.io/metallb/speaker": 7}, "/global/imageRepositories/quay.io~1metallb~1speaker",
                 id="mirror-name-not-a-string"),
    pytest.param(["quay.io/metallb/speaker"], "/global/imageRepositories", id="not-a-map"),
])
def test_image_repositories_are_checked_by_the_schema(mapping: Any, where: str) -> None:
    err = render_error("metallb", {"global": {"imageRegistry": CN, "imageRepositories": mapping}})
    assert f"at '{where}'" in err, err


def test_the_cn_mirror_overlay_uses_the_mirrors_names_and_puts_no_two_images_together() -> None:
    overlay = ROOT / "values" / "cn-mirror.yaml"
    found = checked_images(renderer(), [LAB, overlay])
    assert f"{CN}/nginx-ingress-controller" in {i.split(":")[0] for i in found}
    assert not [i for i in found if not i.startswith(CN + "/")]
    repos = [i.split("@")[0].rsplit(":", 1)[0] for i in found]
    assert len(repos) == len(set(repos))


def test_collisions_name_the_mirror_repository_and_both_sources() -> None:
    upstream = {"a": "quay.io/metallb/controller:v1", "b": "registry.k8s.io/ingress-nginx/controller:v2",
                "c": "quay.io/calico/node:v3"}
    mirrored = {"a": f"{CN}/controller:v1", "b": f"{CN}/controller:v2", "c": f"{CN}/node:v3"}
    assert collisions(upstream, mirrored) == [
        f"{CN}/controller would serve quay.io/metallb/controller and registry.k8s.io/ingress-nginx/controller; "
        "map each to its own name in global.imageRepositories"]
    assert collisions(upstream, {**mirrored, "b": f"{CN}/nginx-ingress-controller:v2"}) == []


def test_inv_images_fails_when_a_rename_lands_on_an_operator_started_image(tmp_path: Path) -> None:
    """Calico's node image is started by the operator: no chart sees it, `inv images` does."""
    overlay = tmp_path / "clash.yaml"
    overlay.write_text(yaml.safe_dump({"global": {"imageRegistry": CN, "imageFlatten": True, "imageRepositories": {
        "registry.k8s.io/ingress-nginx/controller": "nginx-ingress-controller",
        "quay.io/metallb/controller": "node"}}}))
    with pytest.raises(ImagesError, match=f"{CN}/node would serve quay.io/calico/node and quay.io/metallb/controller"):
        checked_images(renderer(), [LAB, overlay])
    out = subprocess.run([sys.executable, "-m", "invoke", "images", "--values", str(LAB), "--values", str(overlay)],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "two images on one mirror repository" in out.stderr and out.stdout == ""


def test_the_mirror_plan_pairs_renamed_images_by_where_they_run() -> None:
    copies, _ = mirror_plan(renderer(), [LAB, ROOT / "values" / "cn-mirror.yaml"])
    by_source = dict(copies)
    controller = next(s for s in by_source if s.startswith("registry.k8s.io/ingress-nginx/controller:"))
    assert by_source[controller].startswith(f"{CN}/nginx-ingress-controller:")
    assert by_source[next(s for s in by_source if s.startswith("quay.io/metallb/controller:"))].startswith(
        f"{CN}/metallb-controller:")


def test_a_flat_target_refuses_two_images_on_one_repository() -> None:
    with pytest.raises(ImagesError, match="controller would serve"):
        mirror_plan(renderer(), [LAB], target=MIRROR, flatten=True)
