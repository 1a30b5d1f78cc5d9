"""Unknown-annotation rules (EKS007, ECI007, CCI007): known keys come from documentation, each
group with its source; a key is reported only as a likely typo of a known one, in pod
metadata only, and renamed only when one edit from exactly one known key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import lint_text
from ekslint.data import load_yaml, rules_dir
from ekslint.lint.rulepack import edit_distance, load_platform

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    {key}: "x"
spec:
  containers:
    - name: app
      image: nginx:1.27
"""


def findings(tmp_path: Path, platform: str, key: str) -> list[tuple[str, str]]:
    result = lint_text(tmp_path, POD.format(key=key), "--platform", platform)
    return [(f["rule"], f["message"]) for f in result.json["findings"]]


@pytest.mark.parametrize("platform", ["tencent-eks", "aliyun-eci", "huawei-cci", "alibaba-acs"])
def test_every_known_key_names_its_source(platform: str) -> None:
    data = load_yaml(f"{rules_dir()}/platforms/{platform}.yaml")
    for group in data["known-annotations"]:
        assert group["source"].strip() and group["keys"]
        assert all(key.startswith(data["annotation-prefix"]) for key in group["keys"])


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        # Undocumented, used by Tencent's own guides and charts, far from every documented key.
        ("tencent-eks", "eks.tke.cloud.tencent.com/spread-placement-group-id"),
        ("tencent-eks", "eks.tke.cloud.tencent.com/reserve-failed-sandbox"),
        ("tencent-eks", "eks.tke.cloud.tencent.com/pod-resource"),
        # Documented, newly known.
        ("tencent-eks", "eks.tke.cloud.tencent.com/root-cbs-type"),
        ("tencent-eks", "eks.tke.cloud.tencent.com/image-cache-disk-size"),
        # Terway's and ACK's keys under ECI's prefix.
        ("aliyun-eci", "k8s.aliyun.com/pod-with-eip"),
        ("aliyun-eci", "k8s.aliyun.com/pod-networks"),
        ("huawei-cci", "cci.io/registry-headers"),
    ],
)
def test_not_reported(tmp_path: Path, platform: str, key: str) -> None:
    assert findings(tmp_path, platform, key) == []


@pytest.mark.parametrize(
    ("platform", "key", "meant"),
    [
        ("tencent-eks", "eks.tke.cloud.tencent.com/retain-ip-hour", "retain-ip-hours"),
        ("aliyun-eci", "k8s.aliyun.com/eci-with-eips", "eci-with-eip"),
        ("huawei-cci", "cci.io/http-registry", "http-registries"),
    ],
)
def test_one_edit_typo_is_renamed(tmp_path: Path, platform: str, key: str, meant: str) -> None:
    result = lint_text(tmp_path, POD.format(key=key), "--platform", platform)
    (finding,) = [f for f in result.json["findings"] if f["rule"].endswith("007")]
    assert finding["fix"]["available"] and meant in finding["message"]


def test_a_documented_key_is_never_a_rename_target_of_a_distant_key() -> None:
    platform = load_platform("tencent-eks")
    assert platform.likely_typos("eks.tke.cloud.tencent.com/spread-placement-group-id") == []
    assert platform.likely_typos("eks.tke.cloud.tencent.com/gpu-typ") == [
        (1, "eks.tke.cloud.tencent.com/gpu-type"),
        (2, "eks.tke.cloud.tencent.com/cpu-type"),
    ]


def test_a_node_and_labels_are_not_pod_annotations(tmp_path: Path) -> None:
    node = (
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: eklet-subnet-x\n"
        "  annotations:\n    eks.tke.cloud.tencent.com/subnet-ids: subnet-x\n"
    )
    assert lint_text(tmp_path, node).json["findings"] == []
    labelled = POD.replace("annotations:", "labels:").format(key="eks.tke.cloud.tencent.com/cpus")
    assert lint_text(tmp_path, labelled).json["findings"] == []


def _reference_distance(a: str, b: str) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if not i or not j:
                table[i][j] = i or j
                continue
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@given(st.text("abc-", max_size=12), st.text("abc-", max_size=12), st.integers(0, 3))
def test_bounded_distance_agrees_with_the_full_one(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == min(_reference_distance(a, b), limit + 1)
