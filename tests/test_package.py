"""Packaging: reproducible bytes, embedded subcharts, libraries, signatures."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from chartops import helm as helm_mod
from chartops.charts import Chart, discover, get
from chartops.package import FIXED_EPOCH, PackageError, package_charts
from tests.registry_server import GpgKey, gpg_key, make_gpg_key, stop_gpg_agent  # noqa: F401  (fixture)

NFS = "nfs-subdir-provisioner"


@pytest.fixture(scope="module")
def helm() -> helm_mod.Helm:
    return helm_mod.find()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CHECKOUT_TIME = 1_234_567_890  # a clone made at another time than this working tree


def members(package: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(package) as tar:
        return {m.name: m for m in tar.getmembers()}


def copy_chart(chart: Chart, dest: Path) -> Chart:
    """A fresh checkout of the chart: other file times, symlinks replaced by their content."""
    shutil.copytree(chart.path, dest / chart.name, symlinks=False)  # copy2 keeps the times: change them
    for f in (dest / chart.name).rglob("*"):
        os.utime(f, (CHECKOUT_TIME, CHECKOUT_TIME))
    return Chart(dest / chart.name)


@pytest.mark.parametrize("name", [c.name for c in discover()])
def test_the_same_chart_content_packages_to_the_same_bytes(helm: helm_mod.Helm, tmp_path: Path, name: str) -> None:
    """Every chart, the umbrella included: helm writes subcharts in a random order, packaging sorts them."""
    runs = [package_charts(helm, [get(name)], tmp_path / f"run{i}")[0] for i in range(3)]
    elsewhere = copy_chart(get(name), tmp_path / "checkout")  # other file times, like another clone
    runs.append(package_charts(helm, [elsewhere], tmp_path / "clone")[0])
    assert {r.name for r in runs} == {f"{name}-{get(name).version}.tgz"}
    assert len({sha(r) for r in runs}) == 1


def test_packages_with_subcharts_list_them_in_path_order(helm: helm_mod.Helm, tmp_path: Path) -> None:
    package = package_charts(helm, [get("platform")], tmp_path)[0]
    names = list(members(package))
    assert names == sorted(names, key=lambda n: n.split("/"))
    subcharts = [n.split("/")[2] for n in names if n.count("/") == 3 and n.endswith("/Chart.yaml")]
    assert subcharts == sorted(get("platform").dependencies)


def test_packaged_charts_keep_helms_gzip_marker_and_a_fixed_header(helm: helm_mod.Helm, tmp_path: Path) -> None:
    raw = package_charts(helm, [get(NFS)], tmp_path)[0].read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip mtime: none
    assert b"Helm\0" in raw[:100]  # helm's comment field, as `helm package` writes it


def test_packaged_files_carry_the_fixed_epoch_not_the_checkout_time(helm: helm_mod.Helm, tmp_path: Path) -> None:
    package = package_charts(helm, [get(NFS)], tmp_path)[0]
    assert {m.mtime for m in members(package).values()} == {FIXED_EPOCH}


def test_an_explicit_source_date_epoch_is_honoured(helm: helm_mod.Helm, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    package = package_charts(helm, [get("common")], tmp_path)[0]
    assert {m.mtime for m in members(package).values()} == {1700000000}


def test_the_common_library_is_embedded_through_the_symlink(helm: helm_mod.Helm, tmp_path: Path) -> None:
    package = package_charts(helm, [get(NFS)], tmp_path)[0]
    names = members(package)
    assert f"{NFS}/charts/common/Chart.yaml" in names
    assert f"{NFS}/charts/common/templates/_images.tpl" in names


def test_library_charts_are_packaged_for_helm_dependency_consumers(helm: helm_mod.Helm, tmp_path: Path) -> None:
    package = package_charts(helm, [get("common")], tmp_path)[0]
    assert package.name == f"common-{get('common').version}.tgz"
    assert "common/templates/_images.tpl" in members(package)


def test_a_missing_dependency_link_names_the_chart_and_the_command_that_fixes_it(
    helm: helm_mod.Helm, tmp_path: Path
) -> None:
    broken = copy_chart(get(NFS), tmp_path)
    shutil.rmtree(broken.path / "charts" / "common")
    with pytest.raises(PackageError) as err:
        package_charts(helm, [broken], tmp_path / "dist")
    assert f"{NFS}: dependency common" in str(err.value)
    assert f"ln -sfn ../../common charts/{NFS}/charts/common" in str(err.value)


def test_a_signed_package_has_provenance_that_helm_verify_accepts(
    helm: helm_mod.Helm, tmp_path: Path, gpg_key: GpgKey  # noqa: F811
) -> None:
    package = package_charts(helm, [get("common")], tmp_path, sign_key=gpg_key.name,
                             keyring=gpg_key.secret_keyring)[0]
    assert package.with_name(package.name + ".prov").is_file()
    verify = subprocess.run([str(helm.path), "verify", str(package), "--keyring", str(gpg_key.public_keyring)],
                            capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stderr


def test_a_signed_umbrella_package_verifies_and_matches_the_unsigned_bytes(
    helm: helm_mod.Helm, tmp_path: Path, gpg_key: GpgKey  # noqa: F811
) -> None:
    signed = package_charts(helm, [get("platform")], tmp_path / "signed", sign_key=gpg_key.name,
                            keyring=gpg_key.secret_keyring)[0]
    plain = package_charts(helm, [get("platform")], tmp_path / "plain")[0]
    assert sha(plain) == sha(signed)
    verify = subprocess.run([str(helm.path), "verify", str(signed), "--keyring", str(gpg_key.public_keyring)],
                            capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stderr


def test_signing_does_not_change_the_package_bytes(
    helm: helm_mod.Helm, tmp_path: Path, gpg_key: GpgKey  # noqa: F811
) -> None:
    plain = package_charts(helm, [get("common")], tmp_path / "plain")[0]
    signed = package_charts(helm, [get("common")], tmp_path / "signed", sign_key=gpg_key.name,
                            keyring=gpg_key.secret_keyring)[0]
    assert sha(plain) == sha(signed)


def test_repackaging_unsigned_drops_a_stale_provenance_file(helm: helm_mod.Helm, tmp_path: Path) -> None:
    stale = tmp_path / f"common-{get('common').version}.tgz.prov"
    stale.write_text("an old signature of other bytes")
    package_charts(helm, [get("common")], tmp_path)
    assert not stale.exists()


def test_a_key_passphrase_from_helm_key_passphrase_signs_without_a_prompt(
    helm: helm_mod.Helm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = make_gpg_key(tmp_path / "gnupg", "Protected <protected@feng.org>", passphrase="pa$$ word")
    try:
        monkeypatch.setenv("HELM_KEY_PASSPHRASE", "pa$$ word")
        package = package_charts(helm, [get("common")], tmp_path / "dist", sign_key=key.name,
                                 keyring=key.secret_keyring)[0]
        assert package.with_name(package.name + ".prov").is_file()
        monkeypatch.setenv("HELM_KEY_PASSPHRASE", "wrong")
        with pytest.raises(PackageError, match="common: signing with .* failed(.|\n)*Bad passphrase"):
            package_charts(helm, [get("common")], tmp_path / "bad", sign_key=key.name, keyring=key.secret_keyring)
        assert not (tmp_path / "bad" / package.name).exists()
    finally:
        stop_gpg_agent(key.home)
