"""A stand-in admission webhook for a workload whose real server cannot run here (ingress-nginx's
controller needs nginx with Lua): it admits every request, with the chart's own serving certificate,
at the webhook's target port on every pod address of the plane.

So installs that create objects the webhook watches (an app's Ingress once the platform runs
ingress-nginx) go through the webhook path as the API server calls it (the chart's Service, its
caBundle, the pod's target port), and what the real webhook would judge is left to the tests that
render it. Every request is recorded, so a test can show the webhook was called.
"""

from __future__ import annotations

import json
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class AllowAll:
    server: ThreadingHTTPServer
    seen: list[dict[str, Any]] = field(default_factory=list)  # the AdmissionReview requests, in order

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def allow_all(cert_pem: bytes, key_pem: bytes, port: int, address: str = "0.0.0.0") -> AllowAll:
    """Serve on address:port in the calling thread's network namespace (the plane's, where the pod range
    is local), TLS with the given certificate."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            request = body.get("request") or {}
            seen.append(request)
            answer = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                                 "response": {"uid": request.get("uid", ""), "allowed": True}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="chartops-admission-") as tmp:
        cert, key = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert.write_bytes(cert_pem)
        key.write_bytes(key_pem)
        context.load_cert_chain(cert, key)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        address_family = socket.AF_INET

        def get_request(self) -> tuple[socket.socket, Any]:
            conn, addr = super().get_request()
            return context.wrap_socket(conn, server_side=True), addr

    server = Server((address, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return AllowAll(server, seen)
