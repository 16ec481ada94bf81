"""Small, fast facts of the delivery code that the registry round-trips don't pin down:
gzip header fields, which credentials count as given, what a 401 message advises,
and the helm runs `invoke images --dry` lists."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from chartops import images, registry
from chartops.helm import Helm
from chartops.package import gzip_bytes
from tests.helpers import ROOT


def test_gzip_header_flags_say_exactly_which_fields_follow() -> None:
    """RFC 1952: FEXTRA is 4, FCOMMENT 16; a stray bit (FTEXT, FNAME) changes the bytes helm compares."""
    assert gzip_bytes(b"data")[3] == 0
    assert gzip_bytes(b"data", extra=b"xy")[3] == 4
    assert gzip_bytes(b"data", comment=b"Helm")[3] == 16
    both = gzip_bytes(b"data", extra=b"xy", comment=b"Helm")
    assert both[3] == 20 and gzip.decompress(both) == b"data"


@pytest.mark.parametrize("env, missing", [
    ({"HARBOR_USERNAME": "robot$apps+ci"}, "HARBOR_PASSWORD"),
    ({"HARBOR_PASSWORD": "secret"}, "HARBOR_USERNAME"),
])
def test_half_the_credentials_is_a_usage_error_naming_the_other(env: dict[str, str], missing: str) -> None:
    with pytest.raises(registry.RegistryError, match=f"{missing} is not set"):
        registry.credentials_from_env(env)


def test_both_or_neither_credentials() -> None:
    creds = registry.credentials_from_env({"HARBOR_USERNAME": "u", "HARBOR_PASSWORD": "p"})
    assert creds is not None and (creds.username, creds.password) == ("u", "p")
    assert registry.credentials_from_env({}) is None


def test_a_401_while_pushing_says_how_to_log_in_and_what_permission_is_missing() -> None:
    reg = registry.Registry("oci://harbor.example.org/apps")
    err = registry.explain("auth", reg, "pushing mysql 1.0.0", "Error: unauthorized")
    assert "set HARBOR_USERNAME and HARBOR_PASSWORD" in str(err)
    assert "lacks pull/push permission on project 'apps'" in str(err)


def test_images_dry_plan_lists_the_renders_and_the_unmirrored_comparison() -> None:
    helm = Helm(Path("/usr/bin/helm"), "v4.3.1", "test")
    plain = images.dry_plan(helm, [ROOT / "values/lab.yaml"])
    assert plain[0].startswith("/usr/bin/helm template ") and "charts/platform" in plain[0]
    assert plain[-1].startswith("# then: images of pod templates")
    assert not [line for line in plain if "without the mirror settings" in line]
    mirrored = images.dry_plan(helm, [ROOT / "values/lab.yaml", ROOT / "values/cn-mirror.yaml"])
    assert [line for line in mirrored if line.endswith("# without the mirror settings, to pair and compare")]
    assert len(mirrored) > len(plain)
