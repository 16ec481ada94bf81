"""File modes of what the charts mount and write: secrets readable by the container's user and by
no one else, and the option files the scripts write with passwords in them private to their owner.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chartops.charts import Scenario, scenarios
from tests.helpers import CHARTS, pod_spec, render

# (chart, volume name) -> why its secret may be read by every user of the container
WORLD_READABLE: dict[tuple[str, str], str] = {
    ("eck-operator", "cert"): "the operator runs as its image's non-root user with no fsGroup, as upstream ships it; "
                              "the webhook's serving key is readable inside the operator's container only",
    ("elasticsearch", "ca"): "ECK's public CA certificate only (items: ca.crt), no key",
}


def _secret_volumes(spec: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(volume name, defaultMode) of each volume that mounts a Secret (directly or projected)."""
    found: list[tuple[str, int | None]] = []
    for vol in spec.get("volumes") or []:
        if "secret" in vol:
            found.append((vol["name"], vol["secret"].get("defaultMode")))
        elif "projected" in vol and any("secret" in s for s in vol["projected"].get("sources") or []):
            found.append((vol["name"], vol["projected"].get("defaultMode")))
    return found


def _users(spec: dict[str, Any], volume: str) -> set[int | None]:
    """The UIDs of the containers that mount the volume (None: the image's own user)."""
    pod_uid = (spec.get("securityContext") or {}).get("runAsUser")
    users: set[int | None] = set()
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if any(m.get("name") == volume for m in c.get("volumeMounts") or []):
            users.add((c.get("securityContext") or {}).get("runAsUser", pod_uid))
    return users


@pytest.mark.parametrize("scn", scenarios(), ids=lambda s: s.id)
def test_mounted_secrets_are_readable_by_the_container_and_no_one_else(scn: Scenario) -> None:
    problems = []
    for obj in render(scn.chart, values_files=scn.values_files):
        spec = pod_spec(obj)
        if not spec:
            continue
        fs_group = (spec.get("securityContext") or {}).get("fsGroup")
        for name, mode in _secret_volumes(spec):
            where = f"{obj['kind']}/{obj['metadata']['name']} volume {name}"
            chart = scn.chart if scn.chart != "platform" else str(obj["metadata"].get("labels", {}).get(
                "app.kubernetes.io/name", "platform"))
            effective = 0o644 if mode is None else int(mode)
            if effective & 0o007 and (chart, name) not in WORLD_READABLE:
                problems.append(f"{where}: mode {effective:04o} lets every user of the container read the secret")
            users = _users(spec, name)
            if users and users != {0} and not effective & 0o004:
                if fs_group is None or not effective & 0o040:
                    problems.append(f"{where}: mode {effective:04o} and fsGroup {fs_group}: the non-root "
                                    f"container (uid {sorted(map(str, users))}) could not read it")
    assert problems == []


def test_the_exceptions_are_still_needed() -> None:
    """An exception that no render needs any more is dropped from the table."""
    used = set()
    for scn in scenarios():
        for obj in render(scn.chart, values_files=scn.values_files):
            for name, mode in _secret_volumes(pod_spec(obj) or {}):
                if mode is None or int(mode) & 0o007:
                    used.add(name)
    assert {name for _, name in WORLD_READABLE} <= used


def test_mysql_option_files_with_passwords_are_private_to_their_owner(tmp_path: Path) -> None:
    """prepare.sh writes the client option files (passwords inside) 0600, under any umask, and keeps
    a password with quotes and backslashes intact."""
    secrets, client = tmp_path / "secrets", tmp_path / "client"
    secrets.mkdir()
    client.mkdir()
    (secrets / "mysql-root-password").write_text('r"o\\ot')
    (secrets / "mysql-metrics-password").write_text("m")
    env = dict(os.environ, SCRIPTS_DIR=str(CHARTS / "mysql" / "files"), SECRETS_DIR=str(secrets),
               CLIENT_DIR=str(client), METRICS_USER="exporter")
    proc = subprocess.run(["bash", "-c", f"umask 000; exec bash {CHARTS / 'mysql/files/prepare.sh'}"],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    for name in ("root.cnf", "exporter.cnf"):
        mode = stat.S_IMODE((client / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {mode:04o}"
    assert 'password="r"o\\\\ot"' in (client / "root.cnf").read_text()


def test_mysql_prepare_fails_when_the_secret_is_missing(tmp_path: Path) -> None:
    """No root password file: the init container fails (the pod never starts without its option file)."""
    client = tmp_path / "client"
    client.mkdir()
    env = dict(os.environ, SCRIPTS_DIR=str(CHARTS / "mysql" / "files"), SECRETS_DIR=str(tmp_path / "none"),
               CLIENT_DIR=str(client))
    proc = subprocess.run(["bash", str(CHARTS / "mysql/files/prepare.sh")], env=env, capture_output=True, check=False)
    assert proc.returncode != 0
