"""metrics-server: the resource metrics API behind `kubectl top` and HPAs, scraping the fake kubelets.

kwok's server answers for every node's kubelet (`/metrics/nodes/<node>/metrics/resource`, named by
each Node's `metrics.k8s.io/resource-metrics-path` annotation, over TLS with a serving certificate of
the cluster CA; see plane.KWOK_CONFIG), on the plane's loopback at plane.KUBELET_PORT, the port each
Node reports. metrics-server dials a node at its InternalIP: so the nodes' addresses go onto the
pod's lo, and a relay per address carries each connection to kwok's server in the plane's namespace.
Nothing leaves the loopback-only namespaces.
"""

from __future__ import annotations

from typing import Any

from chartops.testbed import harness, netns, plane
from chartops.testbed.builds import Controller
from chartops.testbed.harness import Running

CONTROLLER = Controller("metrics-server", "metrics-server", "sigs.k8s.io/metrics-server",
                        "sigs.k8s.io/metrics-server/cmd/metrics-server", "metrics-server",
                        ("-X k8s.io/client-go/pkg/version.gitVersion={version}",))

NODE_ADDRESSES = tuple(ip for _, ip, _ in plane.NODES)


def reach_kubelets(run: Running) -> None:
    """Relay connections to each node's address and kubelet port, inside the pod, to kwok's server."""
    for ip in NODE_ADDRESSES:
        run.relays.tcp(netns.listen(run.own_netns, (ip, plane.KUBELET_PORT)),
                       lambda _conn: (run.pods.home, ("127.0.0.1", plane.KUBELET_PORT)))


def start(namespace: str, workload: str, **kwargs: Any) -> Running:
    """The chart's metrics-server Deployment as a process that reaches every node's kubelet."""
    run = harness.start(CONTROLLER, namespace, "Deployment", workload, addresses=NODE_ADDRESSES, **kwargs)
    reach_kubelets(run)
    return run
