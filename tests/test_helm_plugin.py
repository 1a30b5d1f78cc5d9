"""The Helm post-renderer shipped in helm/ekslint-post-renderer: a Helm 4 plugin (plugin.yaml,
type postrenderer/v1) whose script Helm 3 can also run directly. Warnings never abort a
deploy, and the report reaches the user although Helm keeps a post-renderer's stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT
from ekslint import __version__

PLUGIN = ROOT / "helm" / "ekslint-post-renderer"
SCRIPT = PLUGIN / "ekslint-post-renderer.sh"

STREAM = """\
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  template:
    metadata:
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000;10.0.0.2:5000"
    spec:
      containers:
        - {name: a, image: "10.0.0.1:5000/a:1"}
        - {name: b, image: "10.0.0.2:5000/b:1"}
        - {name: c, image: "registry.local/c:1"}
"""
CONFIG = """\
registries:
  - {host: 10.0.0.1:5000, protocol: http}
  - {host: 10.0.0.2:5000, protocol: http}
"""
BROKEN_IMAGE = """\
apiVersion: v1
kind: Pod
metadata:
  name: job
spec:
  containers:
    - {name: a, image: "nginx:1.27:latest"}
"""


def test_plugin_manifest_is_a_helm4_post_renderer() -> None:
    manifest = yaml.safe_load((PLUGIN / "plugin.yaml").read_text(encoding="utf-8"))
    assert manifest["apiVersion"] == "v1"
    assert manifest["type"] == "postrenderer/v1"
    assert manifest["name"] == PLUGIN.name  # what --post-renderer names
    assert manifest["version"] == __version__
    assert manifest["runtime"] == "subprocess"
    (command,) = manifest["runtimeConfig"]["platformCommand"]
    assert command["command"] == "${HELM_PLUGIN_DIR}/" + SCRIPT.name
    assert os.access(SCRIPT, os.X_OK)


def render(tmp_path: Path, stream: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    (tmp_path / ".ekslint.yaml").write_text(CONFIG, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "EKSLINT_REPORT"}
    environment.update(EKSLINT=f"{sys.executable} -m ekslint", **env)
    # As Helm runs it: stdin the rendered stream, stdout and stderr captured, and (in a new
    # session) no terminal to write the report to.
    return subprocess.run(
        [str(SCRIPT)],
        input=stream.encode(),
        capture_output=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
        start_new_session=True,
    )


def test_warnings_do_not_abort_the_deploy(tmp_path: Path) -> None:
    done = render(tmp_path, STREAM)
    assert done.returncode == 0, done.stderr.decode()
    fixed = done.stdout.decode()
    assert fixed == STREAM.replace("10.0.0.1:5000;10.0.0.2:5000", "10.0.0.1:5000,10.0.0.2:5000")
    report = done.stderr.decode()
    assert "fixed EKS004" in report and "EKS012" in report  # the warning is still reported


def test_the_report_can_go_to_a_file(tmp_path: Path) -> None:
    log = tmp_path / "ekslint-report.txt"
    done = render(tmp_path, STREAM, EKSLINT_REPORT=str(log))
    assert done.returncode == 0
    assert done.stderr == b""
    assert "fixed EKS004" in log.read_text(encoding="utf-8")


def test_an_error_aborts_the_deploy(tmp_path: Path) -> None:
    done = render(tmp_path, BROKEN_IMAGE)
    assert done.returncode == 1
    assert "EKS016" in done.stderr.decode()  # Helm prints it with its own error
