"""An HTTP echo server standing in for an app's pod behind a proxy: it answers every request with
what it received (method, Host, path, query, headers, peer, TLS), as JSON, so a test sees exactly
what the proxy sent upstream. A request header `X-Echo-Delay: <seconds>` makes it answer that late.

    python -m chartops.testbed.echo --listen 10.244.0.7:8080 [--listen ...] [--tls CERT KEY] --name wordpress-0

Each --listen is served on a thread of its own; --tls makes every listener HTTPS (a backend that
speaks TLS, as ECK's Kibana does). HTTP/1.1 with keep-alive, so load generators reuse connections.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def reply(handler: BaseHTTPRequestHandler, name: str, secure: bool) -> dict[str, object]:
    """What the echo server reports about one request."""
    url = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    return {
        "server": name,
        "method": handler.command,
        "host": handler.headers.get("Host", ""),
        "path": url.path,
        "query": url.query,
        "headers": {k: v for k, v in handler.headers.items()},
        "peer": handler.client_address[0],
        "tls": secure,
        "body_bytes": len(body),
    }


def handler_class(name: str, secure: bool) -> type[BaseHTTPRequestHandler]:
    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            payload = json.dumps(reply(self, name, secure)).encode()
            delay = float(self.headers.get("X-Echo-Delay") or 0)
            if delay:  # a slow backend, for a proxy's read timeout
                time.sleep(min(delay, 30.0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # a load test would fill the log

    return Echo


def serve(address: tuple[str, int], name: str, tls: tuple[str, str] | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(address, handler_class(name, tls is not None))
    server.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", action="append", required=True, help="IP:PORT (repeatable)")
    parser.add_argument("--name", default="echo", help="reported as `server`")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    args = parser.parse_args(argv)
    servers = []
    for item in args.listen:
        host, port = item.rsplit(":", 1)
        servers.append(serve((host, int(port)), args.name, tuple(args.tls) if args.tls else None))
    print(f"echo {args.name} on {', '.join(args.listen)}{' (TLS)' if args.tls else ''}", file=sys.stderr, flush=True)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
