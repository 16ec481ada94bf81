"""Stand-in servers for a workload's pods: an app's backends, which a proxy dials at their pod IPs.

`start()` finds every live pod of a Deployment/StatefulSet (kwok's fake pods, which run nothing),
and runs a server of the test's choosing in place of each: in a network namespace of the pod's own,
set up as the harness sets up a controller's (only lo, holding the pod's IP, the pod range routed to
lo; see `harness.sandbox_script`), and registered with the plane's pod network. So a connection to
pod IP:port, from the plane's namespace or from a controller's (its egress relay), reaches the
server, as it would reach the container on a real pod network. No namespace has any interface but lo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartops.testbed import harness, netns
from chartops.testbed import plane as plane_mod
from chartops.testbed.api import Api
from chartops.testbed.builds import ControllerError

Obj = dict[str, Any]


@dataclass
class StandIn:
    """A server in place of one pod's container."""

    pod: Obj
    proc: subprocess.Popen[bytes]  # the server
    sandbox: subprocess.Popen[bytes]  # holds the pod's network namespace
    own_netns: int
    tcp_ports: list[int]
    pods: netns.PodNetwork
    log_path: Path

    @property
    def ip(self) -> str:
        return str(self.pod["status"]["podIP"])

    @property
    def name(self) -> str:
        return str(self.pod["metadata"]["name"])

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        for proc in (self.proc, self.sandbox):
            harness._kill(proc)
        self.pods.forget(self.ip)
        self.pods.close(self.tcp_ports)
        with suppress(OSError):
            os.close(self.own_netns)


RUNNING: list[StandIn] = []  # every stand-in this process started, for stop_all()


def stop_all() -> None:
    while RUNNING:
        RUNNING.pop().stop()


Command = Callable[[Obj, list[int]], Sequence[str]]


def start(namespace: str, kind: str, workload: str, command: Command, *, container: str | None = None,
          plane: str | None = None, api: Api | None = None, timeout: float = 120,
          root: Path | None = None) -> list[StandIn]:
    """Run command(pod, ports) in place of the container (default: all of them) of every live pod of
    the workload, as many as it has replicas; returns once each server listens on all its ports."""
    plane = plane or plane_mod.current(root)
    api = api or Api(plane_mod.kubeconfig(root, plane))
    base = f"/apis/apps/v1/namespaces/{namespace}/{harness._WORKLOADS[kind]}/{workload}"
    wl = harness._wait_for(f"{kind} {namespace}/{workload}", lambda: api.get(base), timeout)
    want = int(wl["spec"].get("replicas", 1)) if kind != "DaemonSet" else 1
    selector = wl["spec"]["selector"]["matchLabels"]

    def enough() -> list[Obj] | None:
        found = harness._live_pods(api, namespace, selector)
        return found if len(found) >= want else None

    live = harness._wait_for(f"{want} pod(s) of {kind} {namespace}/{workload} with an IP", enough, timeout)
    started: list[StandIn] = []
    try:
        for pod in live[-want:]:
            spec = dict(pod["spec"])
            if container:
                spec["containers"] = [c for c in spec["containers"] if c["name"] == container]
                if not spec["containers"]:
                    raise ControllerError(f"pod {pod['metadata']['name']} has no container {container}")
            tcp, _ = harness._ports(spec)
            started.append(_start(pod, tcp, list(command(pod, tcp)), netns.pod_network(),
                                  harness.run_dir(root, plane)))
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started


def _start(pod: Obj, tcp: list[int], argv: list[str], pods: netns.PodNetwork, runs: Path) -> StandIn:
    meta = pod["metadata"]
    workdir = runs / f"standin-{meta['namespace']}-{meta['name']}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    ip, netup = str(pod["status"]["podIP"]), workdir / "netup"
    (workdir / "sandbox.sh").write_text(harness.sandbox_script(pod_ip=ip, addresses=(), pod_cidr=plane_mod.POD_CIDR,
                                                               netup=netup))
    sandbox = harness._spawn(["unshare", "--net", "--", "/bin/sh", str(workdir / "sandbox.sh")],
                             workdir / "sandbox.log")
    try:
        harness._wait_for(f"the network namespace of the stand-in for {meta['name']}",
                          lambda: netup.exists() or sandbox.poll() is not None, 15, 0.05)
        if sandbox.poll() is not None:
            raise ControllerError(f"stand-in for {meta['name']}: setting up its network failed:\n"
                                  f"{(workdir / 'sandbox.log').read_text()[-3000:]}")
        own = os.open(f"/proc/{sandbox.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except BaseException:
        harness._kill(sandbox)
        raise
    proc = harness._spawn(["nsenter", f"--net=/proc/{sandbox.pid}/ns/net", "--", *argv], workdir / "server.log")
    server = StandIn(pod, proc, sandbox, own, tcp, pods, workdir / "server.log")
    RUNNING.append(server)
    pods.open(tcp)
    pods.register(ip, own)
    deadline = time.monotonic() + 30
    for port in tcp:
        sock = netns.connect(own, (ip, port), deadline)
        if sock is None or not server.alive():
            raise ControllerError(f"stand-in for {meta['name']} does not listen on {ip}:{port}:\n"
                                  f"{server.logs()[-2000:]}")
        sock.close()
    return server
