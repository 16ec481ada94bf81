"""A parent chart ships charts/common itself, and its subcharts' own copies are switched off
(`<subchart>.common.enabled: false`): helm parses every template of the tree into one set, so one
copy serves all, and the umbrella's render stops parsing the library seven times. Switching the
copies off must change nothing in what renders.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from chartops.charts import get
from tests.helpers import CHARTS, render

PARENTS = {"platform": ("values/lab.yaml",), "wordpress": ("charts/wordpress/ci/defaults-values.yaml",)}


def _subcharts(parent: str) -> list[str]:
    return [d for d in get(parent).dependencies if d != "common"]


@pytest.mark.parametrize("parent", sorted(PARENTS))
def test_subcharts_share_the_parents_library_and_render_the_same(parent: str) -> None:
    own_copies = {f"{sub}": {"common": {"enabled": True}} for sub in _subcharts(parent)}
    shared = render(parent, values_files=PARENTS[parent])
    separate = render(parent, own_copies, PARENTS[parent])

    def canon(objs: list[dict[str, object]]) -> list[str]:
        # generated certificates and passwords differ per render (Secrets, caBundles, checksums of them)
        text = [json.dumps(o, sort_keys=True) for o in objs if o.get("kind") != "Secret"]
        return sorted(re.sub(r'"(caBundle|checksum/[a-z-]+)": "[^"]*"', r'"\1": ""', t) for t in text)

    assert canon(shared) == canon(separate)


@pytest.mark.parametrize("parent", sorted(PARENTS))
def test_the_parent_switches_its_subcharts_copies_off(parent: str) -> None:
    defaults = yaml.safe_load((CHARTS / parent / "values.yaml").read_text())
    for sub in _subcharts(parent):
        meta = yaml.safe_load((CHARTS / sub / "Chart.yaml").read_text())
        dep = next(d for d in meta["dependencies"] if d["name"] == "common")
        assert dep.get("condition") == "common.enabled", f"{sub}: its common dependency can't be switched off"
        assert defaults[sub]["common"]["enabled"] is False, f"{parent}: {sub}.common.enabled is not false"
