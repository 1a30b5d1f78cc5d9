"""One root cause, one finding: a person fixing a manifest should read each mistake once, not
once per rule that notices a consequence of it."""

from __future__ import annotations

from pathlib import Path

from conftest import lint_text

HTTP = "eks.tke.cloud.tencent.com/registry-http-endpoint"


def pod(
    annotations: str, image: str = "10.16.100.174:5000/busybox:latest", where: str = "pod"
) -> str:
    workload_meta = annotations if where == "workload" else ""
    pod_meta = annotations if where == "pod" else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
{workload_meta}spec:
  template:
    metadata:
{pod_meta or "      labels: {{app: web}}" + chr(10)}    spec:
      containers:
        - name: web
          image: {image}
"""


def rules(tmp_path: Path, text: str, *args: str) -> list[str]:
    return [f["rule"] for f in lint_text(tmp_path, text, *args).json["findings"]]


def test_missing_port_is_eks003_alone(tmp_path: Path) -> None:
    text = pod(f'      annotations:\n        {HTTP}: "10.16.100.174"\n')
    assert rules(tmp_path, text, "--http-registry", "10.16.100.174:5000") == ["EKS003"]
    assert rules(tmp_path, text) == ["EKS003"]  # undeclared: still not EKS012 as well


def test_misplaced_is_eks006_alone(tmp_path: Path) -> None:
    text = pod(f'  annotations:\n    {HTTP}: "10.16.100.174"\n', where="workload")
    # The misplaced value even lacks the port: that is judged after it moves.
    assert rules(tmp_path, text, "--http-registry", "10.16.100.174:5000") == ["EKS006"]


def test_misspelt_key_is_eks007_alone(tmp_path: Path) -> None:
    text = pod(f'      annotations:\n        {HTTP}s: "10.16.100.174:5000"\n')
    assert rules(tmp_path, text, "--http-registry", "10.16.100.174:5000") == ["EKS007"]


def test_bad_separator_is_eks004_alone(tmp_path: Path) -> None:
    text = pod(
        f'      annotations:\n        {HTTP}: "10.16.100.174:5000; 10.0.0.2:5000"\n',
        image="10.16.100.174:5000/a:1\n        - name: b\n          image: 10.0.0.2:5000/b:1",
    )
    assert rules(
        tmp_path, text, "--http-registry", "10.16.100.174:5000", "--http-registry", "10.0.0.2:5000"
    ) == ["EKS004"]


def test_annotation_copied_to_workload_and_template_is_fine(tmp_path: Path) -> None:
    """Kustomize's commonAnnotations put the same annotation on the workload and its pod
    template: the copy on the workload does nothing, but nothing is missing either."""
    text = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    {HTTP}: "10.16.100.174:5000"
spec:
  template:
    metadata:
      annotations:
        {HTTP}: "10.16.100.174:5000"
    spec:
      containers:
        - name: web
          image: 10.16.100.174:5000/busybox:latest
"""
    assert rules(tmp_path, text, "--http-registry", "10.16.100.174:5000") == []
    different = text.replace('"10.16.100.174:5000"\nspec', '"10.0.0.1:5000"\nspec')
    assert rules(tmp_path, different, "--http-registry", "10.16.100.174:5000") == ["EKS006"]


def test_bare_host_does_not_cover_its_other_ports(tmp_path: Path) -> None:
    """An entry `host` covers images at `host`, not at `host:8443`: EKS003, fixed by adding
    the host:port entry and keeping the bare one the other image needs."""
    text = """apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    eks.tke.cloud.tencent.com/registry-insecure-skip-verify: harbor.corp.example
spec:
  containers:
    - {name: a, image: "harbor.corp.example/a:1"}
    - {name: b, image: "harbor.corp.example:8443/b:1"}
"""
    assert rules(tmp_path, text, "--insecure-registry", "harbor.corp.example") == ["EKS003"]
    path = tmp_path / "m.yaml"
    from conftest import run

    run([str(path), "--fix", "--isolated", "--insecure-registry", "harbor.corp.example"])
    assert "harbor.corp.example,harbor.corp.example:8443" in path.read_text()
    assert rules(tmp_path, path.read_text(), "--insecure-registry", "harbor.corp.example") == []
