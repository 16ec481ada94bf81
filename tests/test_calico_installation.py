"""Every calico `installation.*` value reaches the operator's Installation `default`.

The operator acts only on the Installation: a value the chart drops never takes
effect, and nothing fails. Each field below is set away from its default and
looked for where the operator reads it (operator.tigera.io/v1 Installation).
"""

from __future__ import annotations

from typing import Any

from tests.helpers import one, render

SELECTOR = {"node-role.kubernetes.io/control-plane": ""}
TOLERATIONS = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
TYPHA = {"spec": {"template": {"spec": {"nodeSelector": {"typha": "yes"}}}}}

VALUES: dict[str, Any] = {
    "installation": {
        "controlPlaneReplicas": 3,
        "controlPlaneNodeSelector": SELECTOR,
        "controlPlaneTolerations": TOLERATIONS,
        "typhaDeployment": TYPHA,
        "kubeletVolumePluginPath": "/var/lib/k0s/kubelet",
        "calicoNetwork": {
            "bgp": "Disabled",
            "mtu": 1400,
            "hostPorts": "Disabled",
            "nodeAddressAutodetectionV4": {"firstFound": False, "interface": "eth.*"},
        },
    },
    "ipPools": [{"name": "p", "cidr": "10.244.0.0/16", "blockSize": 26, "encapsulation": "VXLAN",
                 "natOutgoing": True, "nodeSelector": "all()", "disableBGPExport": False}],
}


def _spec() -> dict[str, Any]:
    return dict(one(render("calico", VALUES), "Installation")["spec"])


def test_control_plane_placement_and_replicas_reach_the_installation() -> None:
    spec = _spec()
    assert spec["controlPlaneReplicas"] == 3
    assert spec["controlPlaneNodeSelector"] == SELECTOR
    assert spec["controlPlaneTolerations"] == TOLERATIONS


def test_typha_overrides_and_kubelet_plugin_path_reach_the_installation() -> None:
    spec = _spec()
    assert spec["typhaDeployment"] == TYPHA
    assert spec["kubeletVolumePluginPath"] == "/var/lib/k0s/kubelet"


def test_calico_network_settings_reach_the_installation() -> None:
    net = _spec()["calicoNetwork"]
    assert net["bgp"] == "Disabled"
    assert net["mtu"] == 1400
    assert net["hostPorts"] == "Disabled"
    assert net["nodeAddressAutodetectionV4"] == {"interface": "eth.*"}
