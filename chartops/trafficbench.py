"""`invoke bench`'s traffic figures: requests per second and p99 latency through Traefik, against
the same echo server asked directly, in one run, and the ratio.

Run inside a control plane's loopback-only namespace (`invoke bench` starts plane "bench" and runs
`python -m chartops.trafficbench` there): the traefik chart is installed with one Ingress to an
echo Deployment, Traefik runs as the chart's pod and an echo server stands in for the backend pod
(chartops.testbed). The load generator, wrk (Debian's), runs in Traefik's own network namespace, so
both measurements cross the same relay to the echo server; the difference is Traefik. Figures, not a
test: nothing here passes or fails on a number.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from chartops.paths import repo_root

HOST = "bench.feng.org"
NAMESPACE = "bench"
ECHO_PORT = 8080


@dataclass(frozen=True)
class Load:
    what: str
    requests_per_second: float
    p99_ms: float
    errors: int

    def line(self) -> str:
        return (f"{self.what:<22} {self.requests_per_second:>10.0f} req/s   p99 {self.p99_ms:>8.2f} ms   "
                f"errors {self.errors}")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(what: str, output: str) -> Load:
    """wrk's --latency report: Requests/sec, the 99% latency, and socket errors/non-2xx answers."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    if not rps or not p99:
        raise ValueError(f"not a wrk --latency report:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    return Load(what, float(rps.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)], errors)


def wrk_command(netns_path: str, url: str, host: str, seconds: int, connections: int) -> list[str]:
    return ["nsenter", f"--net={netns_path}", "--", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-H", f"Host: {host}", url]


def report(direct: Load, via: Load) -> str:
    ratio = via.requests_per_second / direct.requests_per_second if direct.requests_per_second else 0.0
    return "\n".join([direct.line(), via.line(),
                      f"through Traefik: {ratio:.2f}x the echo server's requests per second, "
                      f"p99 {via.p99_ms - direct.p99_ms:+.2f} ms"])


def _objects() -> list[dict[str, object]]:
    labels = {"app": "echo"}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "echo", "namespace": NAMESPACE},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels},
                  "spec": {"containers": [{"name": "echo", "image": "registry.feng.org/echo:1",
                                           "ports": [{"containerPort": ECHO_PORT}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "echo", "namespace": NAMESPACE},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": ECHO_PORT}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "echo", "namespace": NAMESPACE},
         "spec": {"ingressClassName": "nginx", "rules": [{"host": HOST, "http": {"paths": [
             {"path": "/", "pathType": "Prefix",
              "backend": {"service": {"name": "echo", "port": {"number": 80}}}}]}}]}},
    ]


def run(seconds: int = 5, connections: int = 16) -> str:
    """Install, start, load twice, stop; the report. The caller is in a plane's namespace."""
    from chartops.helm import find
    from chartops.testbed import builds, harness, standins
    from chartops.testbed import plane as plane_mod
    from chartops.testbed.controllers import traefik

    if shutil.which("wrk") is None or shutil.which("nsenter") is None:
        raise RuntimeError("the traffic bench needs wrk and nsenter (Debian packages wrk, util-linux): "
                           "run `invoke tools`")
    root = repo_root()
    plane = plane_mod.current(root)
    env = plane_mod.client_env(root, plane)
    kubectl = [str(builds.path("kubectl", root)), "--kubeconfig", env["KUBECONFIG"]]
    traefik.CONTROLLER.build(root)
    helm = find(root)
    subprocess.run([str(helm.path), "upgrade", "--install", "traefik", str(root / "charts/traefik"), "-n", "traefik",
                    "--create-namespace", "--kubeconfig", env["KUBECONFIG"], "--wait", "--set",
                    "providers.kubernetesIngressNginx.ingressClassResource.create=true,service.type=ClusterIP"],
                   check=True, capture_output=True, text=True)
    subprocess.run([*kubectl, "create", "namespace", NAMESPACE], check=False, capture_output=True)
    subprocess.run([*kubectl, "apply", "--server-side", "-f", "-"], check=True, capture_output=True, text=True,
                   input=json.dumps({"apiVersion": "v1", "kind": "List", "items": _objects()}))
    try:
        (echo,) = traefik.echo_backends(NAMESPACE, "Deployment", "echo")
        proxy = harness.start("traefik", "traefik", "Deployment", "traefik")
        proxy.wait_ready()
        deadline = time.monotonic() + 60
        while traefik.request(proxy.ip, 8000, HOST, source=None).status != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Traefik never routed {HOST}:\n{proxy.logs()[-3000:]}")
            time.sleep(0.5)
        where = f"/proc/{proxy.sandbox.pid}/ns/net" if proxy.sandbox else f"/proc/{proxy.proc.pid}/ns/net"

        def load(what: str, url: str) -> Load:
            out = subprocess.run(wrk_command(where, url, HOST, seconds, connections), capture_output=True, text=True,
                                 check=True, timeout=seconds + 60)
            return parse_wrk(what, out.stdout)

        direct = load("echo server directly", f"http://{echo.ip}:{ECHO_PORT}/")
        via = load("through Traefik", f"http://{proxy.ip}:8000/")
    finally:
        try:
            harness.stop_all()
        finally:
            standins.stop_all()
    return report(direct, via)


PLANE = "bench"


def command(root: Path | None = None) -> list[str]:
    """`python -m chartops.trafficbench` as a client of plane "bench", inside its namespace."""
    from chartops.testbed import plane as plane_mod

    return plane_mod.wrap([sys.executable, "-m", "chartops.trafficbench"], root, PLANE)


def main() -> int:
    print(run(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
