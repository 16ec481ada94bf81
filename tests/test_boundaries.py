"""Values right at a limit, where an off-by-one in a template flips behaviour."""

from __future__ import annotations

from tests.helpers import one, render


def _corefile(values: dict[str, object]) -> str:
    cm = one(render("coredns", values), "ConfigMap")
    return str(cm["data"]["Corefile"])


def test_coredns_stub_domain_cache_of_one_second_caches_and_zero_does_not() -> None:
    one_s = _corefile({"stubDomains": [{"zone": "corp.example", "servers": ["10.0.0.53"], "cache": 1}]})
    block = one_s.split("corp.example:53", 1)[1]
    assert "cache 1" in block
    zero = _corefile({"stubDomains": [{"zone": "corp.example", "servers": ["10.0.0.53"], "cache": 0}]})
    assert "cache" not in zero.split("corp.example:53", 1)[1].split("}", 1)[0]


def test_ingress_nginx_autoscaling_min_equal_to_max_is_fine_and_above_fails() -> None:
    from tests.helpers import render_error

    equal = render("ingress-nginx", {"controller": {"autoscaling": {"enabled": True, "minReplicas": 3,
                                                                    "maxReplicas": 3}}})
    hpa = one(equal, "HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 3)
    message = render_error("ingress-nginx", {"controller": {"autoscaling": {"enabled": True, "minReplicas": 4,
                                                                            "maxReplicas": 3}}})
    assert "controller.autoscaling.minReplicas (4) is above controller.autoscaling.maxReplicas (3)" in message
    # with autoscaling off the bounds are not used, so they are not checked
    off = render("ingress-nginx", {"controller": {"autoscaling": {"enabled": False, "minReplicas": 4,
                                                                  "maxReplicas": 3}}})
    assert not [o for o in off if o["kind"] == "HorizontalPodAutoscaler"]
