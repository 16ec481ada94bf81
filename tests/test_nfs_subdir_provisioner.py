"""nfs-subdir-provisioner: what the provisioner and the StorageClasses look like to the cluster."""

from __future__ import annotations

import pytest

from tests.helpers import containers, of_kind, one, pod_spec, render, render_error

CHART = "nfs-subdir-provisioner"
LAB = ["charts/nfs-subdir-provisioner/ci/lab-values.yaml"]
MULTI = ["charts/nfs-subdir-provisioner/ci/multi-class-values.yaml"]
MIRROR = ["charts/nfs-subdir-provisioner/ci/mirror-values.yaml"]
MINIMAL = {"nfs": {"server": "nfs.feng.org", "path": "/data/sc-nfs"}}


def env_of(objs: list[dict]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in containers(one(objs, "Deployment"))[0]["env"]}


def test_lab_storage_class_points_at_the_provisioner() -> None:
    objs = render(CHART, values_files=LAB)
    sc = one(objs, "StorageClass", "sc-nfs")
    assert sc["provisioner"] == env_of(objs)["PROVISIONER_NAME"]
    assert sc["parameters"]["archiveOnDelete"] == "true"
    assert sc["mountOptions"] == ["nfsvers=4.1"]
    # As the hand-built lab had it: not the default class, under the name its PVs carry.
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"
    assert sc["provisioner"] == "k8s-sigs.io/nfs-subdir-external-provisioner"


def test_a_class_can_be_made_the_cluster_default() -> None:
    objs = render(CHART, values={**MINIMAL, "storageClasses": [{"name": "nfs", "defaultClass": True}]})
    sc = one(objs, "StorageClass", "nfs")
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def test_lab_provisioner_mounts_the_export_where_the_binary_expects_it() -> None:
    objs = render(CHART, values_files=LAB)
    deploy = one(objs, "Deployment")
    env = env_of(objs)
    assert (env["NFS_SERVER"], env["NFS_PATH"]) == ("nfs.feng.org", "/data/sc-nfs")
    volume = next(v for v in pod_spec(deploy)["volumes"] if "nfs" in v)
    assert volume["nfs"] == {"server": "nfs.feng.org", "path": "/data/sc-nfs"}
    mount = next(m for m in containers(deploy)[0]["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == "/persistentvolumes"


def test_provisioner_restarts_by_recreate_with_one_replica() -> None:
    deploy = one(render(CHART, values_files=LAB), "Deployment")
    assert deploy["spec"]["strategy"] == {"type": "Recreate"}
    assert deploy["spec"]["replicas"] == 1


def test_every_class_shares_the_one_provisioner_name() -> None:
    objs = render(CHART, values_files=MULTI)
    classes = of_kind(objs, "StorageClass")
    assert {c["metadata"]["name"] for c in classes} == {"nfs-scratch", "nfs-retain"}
    assert {c["provisioner"] for c in classes} == {"feng.org/nfs"} == {env_of(objs)["PROVISIONER_NAME"]}


def test_class_parameters_follow_values() -> None:
    objs = render(CHART, values_files=MULTI)
    retain = one(objs, "StorageClass", "nfs-retain")
    scratch = one(objs, "StorageClass", "nfs-scratch")
    assert retain["reclaimPolicy"] == "Retain" and retain["volumeBindingMode"] == "WaitForFirstConsumer"
    assert retain["parameters"] == {
        "archiveOnDelete": "true", "onDelete": "retain", "pathPattern": "${.PVC.namespace}/${.PVC.name}",
    }
    assert retain["metadata"]["labels"]["tier"] == "retained"
    assert scratch["parameters"] == {"archiveOnDelete": "false", "onDelete": "delete"}


def test_default_provisioner_name_is_derived_from_the_release() -> None:
    objs = render(CHART, values=MINIMAL, release="nfs")
    assert env_of(objs)["PROVISIONER_NAME"] == "cluster.local/nfs-nfs-subdir-provisioner"


def test_leader_election_rbac_covers_endpoints_and_leases_in_the_release_namespace() -> None:
    objs = render(CHART, values=MINIMAL, namespace="nfs-provisioner")
    role = one(objs, "Role")
    assert role["metadata"]["namespace"] == "nfs-provisioner"
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert resources == {"endpoints", "leases"}
    binding = one(objs, "RoleBinding")
    assert binding["subjects"][0]["name"] == one(objs, "ServiceAccount")["metadata"]["name"]
    assert env_of(objs)["ENABLE_LEADER_ELECTION"] == "true"


def test_cluster_role_grants_what_provisioning_needs_and_no_more() -> None:
    rules = one(render(CHART, values=MINIMAL), "ClusterRole")["rules"]
    grants = {(res, verb) for rule in rules for res in rule["resources"] for verb in rule["verbs"]}
    assert ("persistentvolumes", "create") in grants and ("persistentvolumes", "delete") in grants
    assert ("persistentvolumeclaims", "update") in grants and ("events", "create") in grants
    assert not {g for g in grants if g[0] in ("secrets", "pods")}
    assert ("persistentvolumeclaims", "delete") not in grants


def test_no_leader_election_drops_the_role() -> None:
    objs = render(CHART, values_files=MIRROR)
    assert of_kind(objs, "Role") == [] and env_of(objs)["ENABLE_LEADER_ELECTION"] == "false"


def test_mirror_registry_rewrites_the_image_and_pull_secrets_merge() -> None:
    deploy = one(render(CHART, values_files=MIRROR), "Deployment")
    image = containers(deploy)[0]["image"]
    assert image.startswith("harbor.feng.org/proxy-k8s/sig-storage/nfs-subdir-external-provisioner:v4.0.2@sha256:")
    assert pod_spec(deploy)["imagePullSecrets"] == [{"name": "harbor-pull"}, {"name": "extra-pull"}]


def test_runs_non_root_as_nobody() -> None:
    spec = pod_spec(one(render(CHART, values_files=LAB), "Deployment"))
    assert spec["securityContext"]["runAsUser"] == 65534
    assert spec["securityContext"]["runAsNonRoot"] is True


def test_every_namespaced_object_lands_in_the_release_namespace() -> None:
    objs = render(CHART, values=MINIMAL, namespace="nfs-provisioner")
    cluster_kinds = {"ClusterRole", "ClusterRoleBinding", "StorageClass"}
    assert {o["metadata"].get("namespace") for o in objs if o["kind"] not in cluster_kinds} == {"nfs-provisioner"}


# --- the provisioner's own mount, rollout, disruption budget, extra objects ---------------------

MOUNT_OPTIONS = ["charts/nfs-subdir-provisioner/ci/mount-options-values.yaml"]


def test_mount_options_mount_the_export_through_a_volume_bound_to_the_provisioner() -> None:
    objs = render(CHART, values_files=MOUNT_OPTIONS, namespace="nfs-provisioner")
    pv, pvc = one(objs, "PersistentVolume"), one(objs, "PersistentVolumeClaim")
    assert pv["spec"]["mountOptions"] == ["nfsvers=4.1", "hard", "timeo=600"]
    assert pv["spec"]["nfs"] == {"server": "nfs.feng.org", "path": "/data/sc-nfs"}
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    # bound to each other only: no class, each names the other
    assert pv["spec"]["storageClassName"] == pvc["spec"]["storageClassName"] == ""
    assert pv["spec"]["claimRef"] == {"namespace": "nfs-provisioner", "name": pvc["metadata"]["name"]}
    assert pvc["spec"]["volumeName"] == pv["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == pv["spec"]["accessModes"]
    deploy = one(objs, "Deployment")
    volume = next(v for v in pod_spec(deploy)["volumes"] if v["name"] == "nfs-root")
    assert volume == {"name": "nfs-root", "persistentVolumeClaim": {"claimName": pvc["metadata"]["name"]}}
    assert (env_of(objs)["NFS_SERVER"], env_of(objs)["NFS_PATH"]) == ("nfs.feng.org", "/data/sc-nfs")


def test_without_mount_options_the_export_is_an_inline_volume() -> None:
    objs = render(CHART, values_files=LAB)
    assert of_kind(objs, "PersistentVolume") == of_kind(objs, "PersistentVolumeClaim") == []


def test_the_root_volume_name_can_be_chosen() -> None:
    objs = render(CHART, values={**MINIMAL, "nfs": {**MINIMAL["nfs"], "mountOptions": ["hard"], "volumeName": "nfs-root"}})
    assert one(objs, "PersistentVolume")["metadata"]["name"] == "nfs-root"
    assert one(objs, "PersistentVolumeClaim")["spec"]["volumeName"] == "nfs-root"


def test_two_replicas_roll_one_at_a_time_under_leader_election_with_a_budget() -> None:
    objs = render(CHART, values_files=MOUNT_OPTIONS)
    deploy = one(objs, "Deployment")
    assert deploy["spec"]["strategy"] == {"type": "RollingUpdate"} and deploy["spec"]["replicas"] == 2
    assert env_of(objs)["ENABLE_LEADER_ELECTION"] == "true"
    pdb = one(objs, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()


def test_export_paths_with_spaces_and_hashes_reach_the_volume_and_env_whole() -> None:
    path = "/data/team a #1"
    objs = render(CHART, values={"nfs": {"server": "10.0.0.101", "path": path}})
    volume = next(v for v in pod_spec(one(objs, "Deployment"))["volumes"] if v["name"] == "nfs-root")
    assert volume["nfs"] == {"server": "10.0.0.101", "path": path}
    assert env_of(objs)["NFS_PATH"] == path
    objs = render(CHART, values={"nfs": {"server": "10.0.0.101", "path": path, "mountOptions": ["hard"]}})
    assert one(objs, "PersistentVolume")["spec"]["nfs"]["path"] == path


def test_extra_objects_are_released_with_the_chart() -> None:
    cm = one(render(CHART, values_files=MOUNT_OPTIONS, release="nfs"), "ConfigMap", "nfs-nfs-subdir-provisioner-export")
    assert cm["data"] == {"export": "nfs.feng.org:/data/sc-nfs"}


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({}, "nfs.server is required"),
        ({"nfs": {"server": "nfs.feng.org"}}, "nfs.path is required"),
        ({"nfs": {"server": "nfs.feng.org", "path": "data"}}, "/nfs/path"),
        ({"nfs": {"server": "bad host!", "path": "/d"}}, "/nfs/server"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "port": 2049}}, "'port'"),
        ({**MINIMAL, "replicaCount": "one"}, "/replicaCount"),
        ({**MINIMAL, "replicaCount": 2, "leaderElection": {"enabled": False}}, "replicaCount must be 1"),
        ({**MINIMAL, "storageClasses": [{"name": "a"}, {"name": "a"}]}, "storageClasses[1].name"),
        ({**MINIMAL, "storageClasses": [{"name": "a", "defaultClass": True}, {"name": "b", "defaultClass": True}]},
         "storageClasses[].defaultClass"),
        ({**MINIMAL, "storageClasses": [{"name": "a", "reclaimPolicy": "Recycle"}]}, "/storageClasses/0/reclaimPolicy"),
        ({**MINIMAL, "storageClasses": [{"name": "a", "onDelete": "archive"}]}, "/storageClasses/0/onDelete"),
        ({**MINIMAL, "image": {"repository": "x", "digest": "sha256:abc"}}, "/image/digest"),
        # a newline in the export path would add fields (a hostPath: / volume) to the pod; control characters too
        ({"nfs": {"server": "nfs.feng.org", "path": "/data\n          hostPath:\n            path: /"}}, "/nfs/path"),
        ({"nfs": {"server": "nfs.feng.org", "path": "/data\tx"}}, "/nfs/path"),
        ({"nfs": {"server": "nfs.feng.org", "path": "/data\r"}}, "/nfs/path"),
        ({"nfs": {"server": "nfs.feng.org\n  x: y", "path": "/d"}}, "/nfs/server"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "mountOptions": ["nfsvers=4.1 hard"]}}, "/nfs/mountOptions/0"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "mountOptions": ["hard", "hard"]}}, "/nfs/mountOptions"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "volumeName": "root"}}, "nfs.volumeName"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "mountOptions": ["hard"], "volumeName": "Root_PV"}}, "/nfs/volumeName"),
        ({**MINIMAL, "nfs": {**MINIMAL["nfs"], "reclaimPolicy": "Recycle"}}, "/nfs/reclaimPolicy"),
        ({**MINIMAL, "storageClasses": [{"name": "a", "mountOptions": ["a\nb"]}]}, "/storageClasses/0/mountOptions/0"),
        ({**MINIMAL, "strategyType": "RollingUpdate", "leaderElection": {"enabled": False}}, "strategyType"),
        ({**MINIMAL, "strategyType": "OnDelete"}, "/strategyType"),
        ({**MINIMAL, "podDisruptionBudget": {"enabled": True, "maxUnavailable": 0}}, "podDisruptionBudget.maxUnavailable"),
        ({**MINIMAL, "podDisruptionBudget": {"enabled": True, "maxUnavailable": "all"}},
         "/podDisruptionBudget/maxUnavailable"),
        ({**MINIMAL, "podDisruptionBudget": None}, "podDisruptionBudget"),
        ({**MINIMAL, "tolerations": [{"effect": "NoSchedule"}]}, "tolerations[0].key"),
        ({**MINIMAL, "tolerations": [{"key": "a", "tolerationSecond": 5}]}, "/tolerations/0"),
        ({**MINIMAL, "extraObjects": [{"apiVersion": "v1", "kind": "ConfigMap"}]}, "/extraObjects/0"),
        ({**MINIMAL, "extraObjects": ["apiVersion: v1\nkind: ConfigMap"]}, "extraObjects[0]"),
    ],
    ids=lambda v: str(v)[:60],
)
def test_bad_input_fails_naming_the_key(values: dict, fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)
