"""Kustomize origins: a rendered object carrying ``config.kubernetes.io/origin`` has its
findings located again in the source file it came from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, run

HTTP = ["--http-registry", "10.0.0.1:5000"]

SOURCE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1"
    spec:
      containers:
        - name: web
          image: 10.0.0.1:5000/team/web:1.0
        - name: sidecar
          image: 10.0.0.1:5000/team/sidecar:1.0
"""

# As Kustomize renders it with a name prefix, another annotation, containers reordered and
# re-indented, and the origin annotation.
RENDERED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: {path}
  name: prod-web
  namespace: prod
spec:
  template:
    metadata:
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpoint: 10.0.0.1
    spec:
      containers:
      - image: 10.0.0.1:5000/team/sidecar:1.0
        name: sidecar
      - image: {image}
        name: web
"""


def lint_rendered(tmp_path: Path, text: str, *args: str) -> dict[str, object]:
    (tmp_path / "rendered.yaml").write_text(text)
    result = run(["rendered.yaml", "--isolated", "--format", "json", *HTTP, *args])
    assert result.code in (0, 1), result.err
    document: dict[str, object] = result.json
    return document


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "deployment.yaml").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(document: dict[str, object]) -> list[dict[str, object]]:
    found = document["findings"]
    assert isinstance(found, list)
    return found


def test_a_finding_is_located_in_the_source_file(project: Path) -> None:
    text = RENDERED.format(path="base/deployment.yaml", image="10.0.0.1:5000/team/web:1.0")
    (finding,) = findings(lint_rendered(project, text))
    assert (finding["rule"], finding["line"], finding["column"]) == ("EKS003", 13, 59)
    assert finding["origin"] == {"path": "base/deployment.yaml", "line": 9, "column": 59}
    source_line = SOURCE.splitlines()[8]
    assert source_line[58:].startswith('"10.0.0.1"')


def test_list_items_are_matched_by_name_not_position(project: Path) -> None:
    # The web container is second in the rendered list and first in the source.
    text = RENDERED.format(path="base/deployment.yaml", image="registry.local:5000/web:1")
    document = lint_rendered(project, text)
    (undeclared,) = [f for f in findings(document) if f["rule"] == "EKS012"]
    assert undeclared["origin"] == {"path": "base/deployment.yaml", "line": 13, "column": 18}


def test_a_node_missing_from_the_source_points_at_its_nearest_ancestor(project: Path) -> None:
    # The annotation was added by the overlay (commonAnnotations or a patch), not the base.
    (project / "base" / "deployment.yaml").write_text(
        SOURCE.replace(
            "      annotations:\n        eks.tke.cloud.tencent.com/registry-http-endpoint: "
            '"10.0.0.1"\n',
            "      labels: {app: web}\n",
        )
    )
    text = RENDERED.format(path="base/deployment.yaml", image="10.0.0.1:5000/team/web:1.0")
    (finding,) = findings(lint_rendered(project, text))
    assert finding["origin"] == {"path": "base/deployment.yaml", "line": 8, "column": 7}


def test_paths_resolve_against_the_working_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "overlay").mkdir()
    monkeypatch.chdir(project / "overlay")
    text = RENDERED.format(path="../base/deployment.yaml", image="10.0.0.1:5000/team/web:1.0")
    (finding,) = findings(lint_rendered(project / "overlay", text))
    assert finding["origin"] == {"path": "../base/deployment.yaml", "line": 9, "column": 59}


def test_an_unreadable_source_keeps_the_path_without_a_position(project: Path) -> None:
    text = RENDERED.format(path="base/missing.yaml", image="10.0.0.1:5000/team/web:1.0")
    (finding,) = findings(lint_rendered(project, text))
    assert finding["origin"] == {"path": "base/missing.yaml", "line": None, "column": None}


def test_a_remote_origin_names_the_repository(project: Path) -> None:
    text = RENDERED.format(
        path="deploy/web.yaml\n      repo: github.com/example/app\n      ref: v1.2.0",
        image="10.0.0.1:5000/team/web:1.0",
    )
    (finding,) = findings(lint_rendered(project, text))
    assert finding["origin"] == {
        "path": "deploy/web.yaml",
        "line": None,
        "column": None,
        "repo": "github.com/example/app",
        "ref": "v1.2.0",
    }


def test_a_generated_object_points_at_its_generator(project: Path) -> None:
    (project / "kustomization.yaml").write_text(
        "resources:\n- base/deployment.yaml\nconfigMapGenerator:\n- name: eks-config\n"
    )
    rendered = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: eks-config
  namespace: kube-system
  annotations:
    config.kubernetes.io/origin: |
      configuredIn: kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
data:
  pod.annotations: |
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1;10.0.0.2"
"""
    (finding,) = findings(lint_rendered(project, rendered))
    assert finding["rule"] == "EKS004"
    assert finding["origin"] == {"path": "kustomization.yaml", "line": 3, "column": 1}


def test_text_and_sarif_show_the_origin(project: Path) -> None:
    text = RENDERED.format(path="base/deployment.yaml", image="10.0.0.1:5000/team/web:1.0")
    (project / "rendered.yaml").write_text(text)
    plain = run(["rendered.yaml", "--isolated", *HTTP])
    assert "(origin: base/deployment.yaml:9:59)" in plain.out
    sarif = json.loads(run(["rendered.yaml", "--isolated", "--format", "sarif", *HTTP]).out)
    (result,) = sarif["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "base/deployment.yaml"
    assert related["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 59}
    assert result["properties"]["origin"]["line"] == 9


def test_a_hostile_origin_path_cannot_forge_report_lines(project: Path) -> None:
    text = RENDERED.format(path='"a\\nb.yaml:1:1: EKS001 forged"', image="10.0.0.1:5000/x:1")
    (project / "rendered.yaml").write_text(text)
    plain = run(["rendered.yaml", "--isolated", *HTTP])
    assert not any(line.startswith("b.yaml") for line in plain.out.splitlines())
    assert "a\\nb.yaml" in plain.out


def test_the_origin_annotation_is_never_a_finding(project: Path) -> None:
    # Even an origin naming the platform's annotations, registries and images.
    text = RENDERED.format(
        path="eks.tke.cloud.tencent.com/registry-http-endpoint 10.0.0.9:5000/x:1",
        image="10.0.0.1:5000/team/web:1.0",
    )
    assert [f["rule"] for f in findings(lint_rendered(project, text))] == ["EKS003"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl renders the overlay")
def test_kubectl_kustomize_piped_with_origin_annotations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "kustomize", tmp_path / "k")
    overlay = tmp_path / "k" / "overlays" / "prod"
    with (overlay / "kustomization.yaml").open("a") as handle:
        handle.write("buildMetadata: [originAnnotations]\n")
    env = {**os.environ, "KUBECONFIG": "/nonexistent", "HOME": str(tmp_path)}
    rendered = subprocess.run(
        ["kubectl", "kustomize", "."], cwd=overlay, env=env, capture_output=True, check=True
    ).stdout
    monkeypatch.chdir(overlay)
    result = run(["--isolated", "-", "--format", "json"], stdin=rendered, monkeypatch=monkeypatch)
    origins = {f["rule"]: f["origin"] for f in result.json["findings"]}
    assert origins == {
        "EKS003": {"path": "../../base/deployment.yaml", "line": 12, "column": 59},
        "EKS012": {"path": "../../base/cronjob.yaml", "line": 14, "column": 22},
    }
