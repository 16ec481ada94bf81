"""A stand-in volume provisioner for the built-in control plane.

kwok's nodes have no storage, so a PVC would stay Pending and every StatefulSet install with
`--wait` would time out. This process watches PVCs and, for each Pending one, creates a
hostPath PersistentVolume of the same class, size and access modes, pre-bound to it; the real
PV controller (kube-controller-manager) then binds the pair. Nothing is ever mounted.

Claims are left alone when their namespace carries the label `chartops.local/volumes=real`
(a test that runs a real provisioner there), and when their StorageClass names a provisioner
listed in CHARTOPS_REAL_PROVISIONERS (comma-separated). Run it inside the cluster's network
namespace: `python3 -m chartops.testbed.volumes --kubeconfig .tools/cluster/kubeconfig`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from typing import Any

NAME_PREFIX = "chartops-pv-"
OPT_OUT_LABEL = "chartops.local/volumes"


def pv_for(claim: dict[str, Any]) -> dict[str, Any]:
    """The PersistentVolume that satisfies one claim (pre-bound through claimRef)."""
    meta, spec = claim["metadata"], claim.get("spec", {})
    digest = hashlib.sha256(f"{meta['namespace']}/{meta['name']}/{meta['uid']}".encode()).hexdigest()[:16]
    size = spec.get("resources", {}).get("requests", {}).get("storage", "1Gi")
    pv_spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Delete",
        "hostPath": {"path": f"/var/lib/chartops/{digest}", "type": "DirectoryOrCreate"},
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                     "name": meta["name"], "uid": meta["uid"]},
        "storageClassName": spec.get("storageClassName") or "",
        "volumeMode": spec.get("volumeMode") or "Filesystem",
    }
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": NAME_PREFIX + digest, "labels": {"app.kubernetes.io/managed-by": "chartops-volumes"}},
            "spec": pv_spec}


def wanted(claim: dict[str, Any], namespace_labels: dict[str, str], class_provisioner: str | None,
           real: set[str]) -> bool:
    if claim.get("status", {}).get("phase") not in (None, "Pending"):
        return False
    if claim.get("spec", {}).get("volumeName") or claim["metadata"].get("deletionTimestamp"):
        return False
    if namespace_labels.get(OPT_OUT_LABEL) == "real":
        return False
    return class_provisioner not in real if class_provisioner else True


def _items(response: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(response.data)["items"]
    return items


def run(kubeconfig: str, interval: float, once: bool = False) -> None:  # pragma: no cover - a loop against a server
    from kubernetes import client, config

    config.load_kube_config(kubeconfig)  # type: ignore[no-untyped-call]
    core, storage = client.CoreV1Api(), client.StorageV1Api()
    real = {p for p in os.environ.get("CHARTOPS_REAL_PROVISIONERS", "").split(",") if p}
    while True:
        try:
            claims = _items(core.list_persistent_volume_claim_for_all_namespaces(_preload_content=False))
            pending = [c for c in claims if c.get("status", {}).get("phase") == "Pending"]
            if pending:
                labels = {n["metadata"]["name"]: n["metadata"].get("labels", {})
                          for n in _items(core.list_namespace(_preload_content=False))}
                classes = {s["metadata"]["name"]: s["provisioner"]
                           for s in _items(storage.list_storage_class(_preload_content=False))}
                for claim in pending:
                    ns = claim["metadata"]["namespace"]
                    provisioner = classes.get(claim.get("spec", {}).get("storageClassName") or "")
                    if wanted(claim, labels.get(ns, {}), provisioner, real):
                        try:
                            core.create_persistent_volume(pv_for(claim))  # type: ignore[arg-type]
                        except client.ApiException as err:
                            if err.status != 409:
                                print(f"PV for {ns}/{claim['metadata']['name']}: {err.reason}", file=sys.stderr)
        except Exception as err:  # noqa: BLE001 - keep serving through apiserver restarts
            print(f"volumes: {err}", file=sys.stderr, flush=True)
        if once:
            return
        time.sleep(interval)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args(argv)
    run(args.kubeconfig, args.interval)


if __name__ == "__main__":  # pragma: no cover
    main()
