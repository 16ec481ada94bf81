"""Traefik Proxy, the front door: its control plane (the Ingress, ingress-nginx and Gateway API
providers) and its data plane are one binary, run as the traefik chart's pod; it dials the backends
at their EndpointSlice addresses through the harness's egress relay.

What traffic tests need beside it: echo servers standing in for the backend pods
(`chartops.testbed.echo` through `chartops.testbed.standins`: `echo_backends`) and a client that
sends a request to one of Traefik's entry points with a given Host/SNI, from a client address of its
own, verifying the server certificate against a CA when asked (`request`).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartops.testbed import standins
from chartops.testbed.builds import Controller

CONTROLLER = Controller("traefik", "traefik", "github.com/traefik/traefik/v3",
                        "github.com/traefik/traefik/v3/cmd/traefik", "traefik",
                        ("-X github.com/traefik/traefik/v3/pkg/version.Version={version}",))

# The address test clients send from: in the fake pods' range (so the relays can keep it on the way
# to Traefik, which then reports it in X-Forwarded-For), far from what kwok hands out.
CLIENT_IP = "10.244.255.254"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    peer_cert: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def request(address: str, port: int, host: str, path: str = "/", *, method: str = "GET", tls: bool = False,
            ca: bytes | None = None, headers: Mapping[str, str] | None = None, source: str | None = CLIENT_IP,
            body: bytes | None = None, timeout: float = 10) -> Response:
    """One HTTP request to address:port with Host (and, with tls, SNI) `host`, from `source`.

    With tls and a CA (PEM), the server certificate must chain to it and name `host` (the
    handshake fails otherwise); without a CA nothing is verified. Redirects are not followed."""
    sock = socket.create_connection((address, port), timeout=timeout,
                                    source_address=(source, 0) if source else None)
    cert: dict[str, Any] = {}
    try:
        if tls:
            if ca is not None:
                ctx = ssl.create_default_context(cadata=ca.decode())
            else:
                ctx = ssl._create_unverified_context()  # noqa: S323  (a test that does not judge the certificate)
            sock = ctx.wrap_socket(sock, server_hostname=host)
            cert = sock.getpeercert() or {}
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = sock
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, {k: v for k, v in resp.getheaders()}, data, cert)
    finally:
        sock.close()


def echo_command(tls: tuple[Path, Path] | None = None) -> standins.Command:
    """The stand_in command that runs an echo server on every port of the pod."""
    def command(pod: dict[str, Any], ports: list[int]) -> list[str]:
        ip = pod["status"]["podIP"]
        argv = [sys.executable, "-m", "chartops.testbed.echo", "--name", pod["metadata"]["name"]]
        for port in ports:
            argv += ["--listen", f"{ip}:{port}"]
        if tls:
            argv += ["--tls", str(tls[0]), str(tls[1])]
        return argv

    return command


def echo_backends(namespace: str, kind: str, workload: str, *, container: str | None = None,
                  tls: tuple[Path, Path] | None = None, **kwargs: Any) -> list[standins.StandIn]:
    """Echo servers in place of every pod of the workload, on the container's ports."""
    return standins.start(namespace, kind, workload, echo_command(tls), container=container, **kwargs)
