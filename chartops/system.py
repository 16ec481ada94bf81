"""Debian packages the tests need: the distribution server Harbor embeds, GnuPG for signing,
openssl for the throwaway CAs, etcd and iproute2 for the built-in control plane, and nftables for the
pods' egress to other pods (the harness redirects it inside their loopback-only namespaces).

Installed with apt-get when missing and we are root on a Debian-like machine;
otherwise the task says what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess

# binary -> Debian package
TEST_TOOLS = {"docker-registry": "docker-registry", "gpg": "gnupg", "openssl": "openssl",
              "etcd": "etcd-server", "ip": "iproute2", "nft": "nftables",
              # invoke bench's load generator (through Traefik and to the echo server directly)
              "wrk": "wrk"}


def missing(tools: dict[str, str] = TEST_TOOLS) -> dict[str, str]:
    return {binary: pkg for binary, pkg in tools.items() if shutil.which(binary) is None}


def install_command(packages: list[str]) -> list[list[str]]:
    return [["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]]


def ensure(tools: dict[str, str] = TEST_TOOLS) -> str:
    """Install missing packages when possible; return a line saying what happened."""
    need = missing(tools)
    if not need:
        return "test tools present: " + ", ".join(sorted(tools))
    packages = sorted(set(need.values()))
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return f"missing {', '.join(sorted(need))}: install the Debian packages {' '.join(packages)}"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in install_command(packages):
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    still = missing(tools)
    if still:
        return f"installed {' '.join(packages)} but {', '.join(sorted(still))} still missing"
    return f"installed {' '.join(packages)}"
