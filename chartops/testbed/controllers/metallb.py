"""MetalLB's controller (its webhook server included): allocates LoadBalancer addresses from the
chart's pools and admits the chart's configuration objects.

`submit` plays a helm install of a rendered configuration against the real webhook: every object
created in the order the chart's hooks send them, each one judged by the webhook against what is
already there, then all of them removed again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from chartops.testbed.api import Api
from chartops.testbed.builds import Controller, ControllerError

CONTROLLER = Controller("metallb", "metallb", "go.universe.tf/metallb", "go.universe.tf/metallb/controller",
                        "controller")

Obj = dict[str, Any]

# kind -> (API version, plural, hook weight): the chart's hooks send lower weights first
KINDS: dict[str, tuple[str, str, int]] = {
    "IPAddressPool": ("v1beta1", "ipaddresspools", 0),
    "BFDProfile": ("v1beta1", "bfdprofiles", 0),
    "Community": ("v1beta1", "communities", 0),
    "BGPPeer": ("v1beta2", "bgppeers", 5),
    "L2Advertisement": ("v1beta1", "l2advertisements", 10),
    "BGPAdvertisement": ("v1beta1", "bgpadvertisements", 10),
}
_REFUSED = re.compile(r'admission webhook "[\w.]+" denied the request: (.*)')


def configuration(objs: Iterable[Obj]) -> list[Obj]:
    """The MetalLB configuration objects of a render, in the order the chart's hooks send them."""
    found = [o for o in objs if o.get("kind") in KINDS and str(o.get("apiVersion", "")).startswith("metallb.io/")]
    return sorted(found, key=lambda o: KINDS[o["kind"]][2])


def _path(kind: str, namespace: str) -> str:
    version, plural, _ = KINDS[kind]
    return f"/apis/metallb.io/{version}/namespaces/{namespace}/{plural}"


def _message(error: str) -> str:
    """The API server's message in a failed call's error (its Status body), else the error itself."""
    start = error.find("{")
    try:
        return str(json.loads(error[start:]).get("message", error)) if start >= 0 else error
    except ValueError:
        return error


def clear(api: Api, namespace: str) -> None:
    """Delete every configuration object in the namespace, the ones that name others first."""
    for kind in sorted(KINDS, key=lambda k: -KINDS[k][2]):
        api.call("DELETE", _path(kind, namespace))


def submit(api: Api, objs: Sequence[Obj], namespace: str) -> list[str]:
    """Create the objects one by one in `namespace` (where MetalLB reads its configuration) and return
    the webhook's refusals as "Kind/name: message"; then remove everything again. Errors that are not
    the webhook's (a schema refusal, an unreachable webhook) raise."""
    refusals: list[str] = []
    try:
        for obj in configuration(objs):
            body = json.loads(json.dumps(obj))
            meta = body["metadata"]
            meta["namespace"] = namespace
            meta.pop("annotations", None)  # helm's hook annotations mean nothing here
            try:
                api.call("POST", _path(obj["kind"], namespace), body)
            except ControllerError as err:
                found = _REFUSED.search(_message(str(err)))
                if not found:
                    raise
                refusals.append(f"{obj['kind']}/{meta['name']}: {found.group(1)}")
    finally:
        clear(api, namespace)
    return refusals
