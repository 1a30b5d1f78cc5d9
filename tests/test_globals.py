"""Cluster-wide defaults in ConfigMap kube-system/eks-config, which the platform applies to every
pod: they cover every pod
that does not set the same annotation itself, and their values are checked in place."""

from __future__ import annotations

from pathlib import Path

from conftest import lint_text

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: eks-config
  namespace: kube-system
data:
  pod.annotations: |
    eks.tke.cloud.tencent.com/resolv-conf: |
      nameserver 183.60.83.19
    eks.tke.cloud.tencent.com/registry-http-endpoint: "{value}"
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
{metadata}    spec:
      containers:
        - name: web
          image: 10.16.100.174:5000/busybox:latest
"""

HTTP = ["--http-registry", "10.16.100.174:5000"]


def stream(value: str, *deployments: str) -> str:
    return "---\n".join([CONFIGMAP.format(value=value), *deployments])


def test_global_default_covers_pods_before_and_after_it(tmp_path: Path) -> None:
    plain = DEPLOYMENT.format(name="web", metadata="")
    text = "---\n".join([plain, CONFIGMAP.format(value="10.16.100.174:5000"), plain])
    assert lint_text(tmp_path, text, *HTTP).json["findings"] == []
    # Without the ConfigMap both pods are reported.
    assert len(lint_text(tmp_path, plain + "---\n" + plain, *HTTP).json["findings"]) == 2


def test_pod_annotation_overrides_the_default(tmp_path: Path) -> None:
    own = DEPLOYMENT.format(
        name="own",
        metadata="    metadata:\n      annotations:\n"
        '        eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.9:5000"\n',
    )
    result = lint_text(tmp_path, stream("10.16.100.174:5000", own), *HTTP)
    assert [(f["rule"], f["line"]) for f in result.json["findings"]] == [
        ("EKS008", 20),
        ("EKS001", 24),
    ]


def test_default_values_are_checked_in_place(tmp_path: Path) -> None:
    result = lint_text(tmp_path, stream("10.16.100.174:5000；docker.io"), *HTTP)
    assert result.positions() == [("EKS004", 10, 55), ("EKS014", 10, 55)]
    assert all(not f["fix"]["available"] for f in result.json["findings"])


def test_default_covers_undeclared_registry(tmp_path: Path) -> None:
    text = stream("10.16.100.174:5000", DEPLOYMENT.format(name="web", metadata=""))
    assert lint_text(tmp_path, text).json["findings"] == []  # no EKS012 either


def test_other_configmaps_do_not_count(tmp_path: Path) -> None:
    other = CONFIGMAP.format(value="10.16.100.174:5000").replace("kube-system", "default")
    text = other + "---\n" + DEPLOYMENT.format(name="web", metadata="")
    assert [f["rule"] for f in lint_text(tmp_path, text, *HTTP).json["findings"]] == ["EKS001"]
