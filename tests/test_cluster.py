"""Checks against a live cluster. They run only when KUBECONFIG points at one
(conftest skips them otherwise) and never count as passing here."""

from __future__ import annotations

import subprocess

import pytest

from chartops.charts import Scenario, scenarios
from tests.helpers import CHARTS, ROOT, renderer

pytestmark = pytest.mark.cluster


def test_api_server_answers() -> None:
    from kubernetes import client, config

    config.load_kube_config()
    assert client.VersionApi().get_code().git_version


@pytest.mark.parametrize("scn", scenarios(), ids=lambda s: s.id)
def test_server_side_dry_run_accepts_the_scenario(scn: Scenario) -> None:
    """The API server (with its admission chain) accepts what the chart would install."""
    cmd = [str(renderer().helm.path), "install", str(CHARTS / scn.chart), "--dry-run=server",
           "--namespace", "default", "--generate-name"]
    for f in scn.values_files:
        cmd += ["--values", str(ROOT / f)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
