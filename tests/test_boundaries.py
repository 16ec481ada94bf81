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
