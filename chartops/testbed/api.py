"""The API server as the harness (playing the kubelet) sees it: a few REST calls, made with the
`kubernetes` client's own ApiClient and a kubeconfig's credentials (the admin's by default)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chartops.testbed.builds import ControllerError
from chartops.testbed.plane import kubeconfig as default_kubeconfig

_JSON = {"Content-Type": "application/json", "Accept": "application/json"}


class Api:
    """GET/POST/… by path; a 404 is None, any other error a ControllerError naming the call."""

    def __init__(self, kubeconfig: Path | str | None = None) -> None:
        from kubernetes import client, config

        path = kubeconfig or os.environ.get("KUBECONFIG") or default_kubeconfig()
        cfg = client.Configuration()
        config.load_kube_config(config_file=str(path), client_configuration=cfg)  # type: ignore[no-untyped-call]
        self.client = client.ApiClient(cfg)

    def call(self, method: str, path: str, body: Any = None, query: Sequence[tuple[str, str]] = ()) -> Any:
        verb, url, headers, data, post = self.client.param_serialize(
            method, path, query_params=list(query), header_params=dict(_JSON), body=body,
            auth_settings=["BearerToken"])
        response = self.client.call_api(verb, url, header_params=headers, body=data, post_params=post,
                                        _request_timeout=30)
        content = response.read() or b""  # type: ignore[no-untyped-call]
        if response.status == 404:
            return None
        if not 200 <= response.status < 300:
            raise ControllerError(f"{method} {path}: {response.status} {content.decode(errors='replace')}")
        return json.loads(content)

    def get(self, path: str, **query: str) -> Any:
        return self.call("GET", path, query=list(query.items()))
