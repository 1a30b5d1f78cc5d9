"""Helm chart values: ``values*.yaml`` beside a ``Chart.yaml`` are checked where they set pod
annotations, fixed in place, and named by the lasting-fix hint of rendered output."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run

CHART = "apiVersion: v2\nname: mychart\nversion: 0.1.0\n"

VALUES = """\
image:
  repository: 10.0.0.1:5000/team/web
  tag: "1.16.0"
# Pod annotations for every pod of the chart.
podAnnotations:
  eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1;harbor.local:8443"  # keep
worker:
  podAnnotations:
    eks.tke.cloud.tencent.com/registry-insecure-skip-verify: docker.io,harbor.corp.example
    eks.tke.cloud.tencent.com/registry-http-endpont: "x"
    prometheus.io/port: 9090
  extra:
    podAnnotations: {eks.tke.cloud.tencent.com/registry-http-endpoint: all}
"""

FIXED = """\
image:
  repository: 10.0.0.1:5000/team/web
  tag: "1.16.0"
# Pod annotations for every pod of the chart.
podAnnotations:
  eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000,harbor.local:8443"  # keep
worker:
  podAnnotations:
    eks.tke.cloud.tencent.com/registry-insecure-skip-verify: harbor.corp.example
    eks.tke.cloud.tencent.com/registry-http-endpont: "x"
    prometheus.io/port: "9090"
  extra:
    podAnnotations: {eks.tke.cloud.tencent.com/registry-http-endpoint: all}
"""

OBJECT_METADATA_ONLY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  {{- with .Values.commonAnnotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  template:
    metadata:
      {{- with .Values.podAnnotations }}
      annotations: {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""

INTO_POD_TEMPLATE = OBJECT_METADATA_ONLY.replace(
    "{{- with .Values.podAnnotations }}",
    "{{- with merge .Values.podAnnotations .Values.commonAnnotations }}",
)

DECLARED = ["--http-registry", "10.0.0.1:5000", "--insecure-registry", "harbor.corp.example"]


def chart(tmp_path: Path, values: str, template: str | None = OBJECT_METADATA_ONLY) -> Path:
    folder = tmp_path / "mychart"
    folder.mkdir()
    (folder / "Chart.yaml").write_text(CHART)
    (folder / "values.yaml").write_text(values)
    if template is not None:
        (folder / "templates").mkdir()
        (folder / "templates" / "deployment.yaml").write_text(template)
    return folder


def lint(*args: str) -> list[tuple[str, int, int]]:
    result = run(["--isolated", "--format", "json", *DECLARED, *args])
    assert result.code in (0, 1), result.err
    return result.positions()


def test_value_rules_at_their_own_positions(tmp_path: Path) -> None:
    folder = chart(tmp_path, VALUES)
    assert lint(str(folder / "values.yaml")) == [
        ("EKS003", 6, 53),
        ("EKS004", 6, 53),
        ("EKS014", 9, 62),
        ("EKS007", 10, 5),
        ("EKS011", 11, 25),
        ("EKS013", 13, 72),
    ]


def test_fix_in_place_byte_exact(tmp_path: Path) -> None:
    folder = chart(tmp_path, VALUES)
    result = run(
        ["--isolated", str(folder / "values.yaml"), *DECLARED, "--fix", "--format", "json"]
    )
    assert (folder / "values.yaml").read_text() == FIXED
    # Renaming the misspelt key and replacing `all` are unsafe fixes; everything else is gone.
    assert result.positions() == [("EKS007", 10, 5), ("EKS013", 13, 72)]
    run(["--isolated", str(folder / "values.yaml"), *DECLARED, "--fix", "--unsafe-fixes"])
    assert (folder / "values.yaml").read_text() == FIXED.replace(
        "registry-http-endpont", "registry-http-endpoint"
    ).replace("endpoint: all}", "endpoint: 10.0.0.1:5000}")


def test_removing_the_last_entry_keeps_an_empty_mapping(tmp_path: Path) -> None:
    values = (
        "podAnnotations:\n"
        "  eks.tke.cloud.tencent.com/registry-insecure-skip-verify: docker.io\n"
        "replicas: 1\n"
    )
    folder = chart(tmp_path, values)
    run(["--isolated", str(folder / "values.yaml"), "--fix"])
    assert (folder / "values.yaml").read_text() == "podAnnotations: {}\nreplicas: 1\n"


def test_values_outside_a_chart_are_not_read_as_values(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text(VALUES)
    assert lint(str(tmp_path / "values.yaml")) == []


def test_other_values_files_of_the_chart_are_checked(tmp_path: Path) -> None:
    folder = chart(tmp_path, "replicas: 1\n")
    (folder / "values-prod.yaml").write_text(VALUES)
    assert ("EKS004", 6, 53) in lint(str(folder))


COMMON = "commonAnnotations:\n  eks.tke.cloud.tencent.com/registry-http-endpoint: 10.0.0.1:5000\n"


def test_common_annotations_that_never_reach_a_pod(tmp_path: Path) -> None:
    folder = chart(tmp_path, COMMON)
    result = run(["--isolated", "--format", "json", *DECLARED, str(folder / "values.yaml")])
    (finding,) = result.json["findings"]
    assert (finding["rule"], finding["line"], finding["column"]) == ("EKS006", 2, 3)
    assert finding["severity"] == "warning"  # read from the templates' text, not a rendering
    assert "never reaches the pods" in finding["message"]
    assert "set it under podAnnotations" in finding["message"]


@pytest.mark.parametrize("template", [INTO_POD_TEMPLATE, None], ids=["merged", "no-templates"])
def test_common_annotations_the_templates_bring_to_pods(
    tmp_path: Path, template: str | None
) -> None:
    folder = chart(tmp_path, COMMON, template)
    assert lint(str(folder / "values.yaml")) == []


def test_common_annotations_inside_a_template_block(tmp_path: Path) -> None:
    template = OBJECT_METADATA_ONLY.replace(
        "      {{- with .Values.podAnnotations }}",
        "      {{- with .Values.commonAnnotations }}\n"
        "      annotations: {{- toYaml . | nindent 8 }}\n"
        "      {{- end }}\n"
        "      {{- with .Values.podAnnotations }}",
    )
    folder = chart(tmp_path, COMMON, template)
    assert lint(str(folder / "values.yaml")) == []


RENDERED = """\
---
# Source: mychart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-mychart
spec:
  template:
    spec:
      containers:
        - name: web
          image: "10.0.0.1:5000/team/web:1.16.0"
"""


def test_lasting_fix_names_the_values_file_and_line(tmp_path: Path) -> None:
    folder = chart(tmp_path, "replicas: 1\npodAnnotations: {}\n")
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(RENDERED)
    alone = run(["--isolated", *DECLARED, str(rendered)])
    assert "set the pod annotations in mychart's values" in alone.out
    text = run(["--isolated", *DECLARED, str(rendered), str(folder)]).out
    assert f"set the pod annotation in {folder / 'values.yaml'}:2 (podAnnotations)" in text
    assert 'eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000"' in text
    sarif = run(["--isolated", "--format", "sarif", *DECLARED, str(rendered), str(folder)])
    assert f"{folder / 'values.yaml'}:2 (podAnnotations)" in sarif.out
