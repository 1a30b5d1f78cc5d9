"""Adopting ekslint on a repository with findings: suppression comments and baselines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run

EXAMPLES = ROOT / "examples"
CONFIG = ["--config", str(EXAMPLES / ".ekslint.yaml")]
REASON = "legacy, see OPS-12"
EKS_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: eks-config
  namespace: kube-system
data:
  pod.annotations: |
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.9:5000;10.0.0.8:5000"
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - {name: a, image: "10.0.0.1:5000/a:1"}
    - {name: b, image: "registry.local/b:1"}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLES / "manifests", tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(*args: str) -> list[tuple[str, str, int]]:
    report = run([*args, "--format", "json", *CONFIG]).json
    return [(Path(f["path"]).name, f["rule"], f["line"]) for f in report["findings"]]


def test_add_suppressions_comments_every_finding_and_nothing_else(repo: Path) -> None:
    before = {p.name: p.read_bytes() for p in (repo / "manifests").iterdir()}
    flagged = findings("manifests")
    assert len(flagged) == 8
    result = run(["manifests", "--add-suppressions", REASON, *CONFIG])
    assert result.code == 0, result.err
    assert "added suppression comments for 8 findings" in result.err
    lines_with_findings = {(name, line) for name, _, line in flagged}
    for name, old in before.items():
        new = (repo / "manifests" / name).read_bytes()
        old_lines, new_lines = old.split(b"\n"), new.split(b"\n")
        assert len(old_lines) == len(new_lines)
        for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=True), start=1):
            if (name, number) in lines_with_findings:
                assert b.startswith(a.rstrip())
                assert b.endswith(f"] {REASON}".encode())
            else:
                assert a == b  # byte for byte
    web = (repo / "manifests" / "web.yaml").read_text(encoding="utf-8")
    # three findings on one line, one comment
    assert f"# ekslint: ignore[EKS003,EKS004,EKS019] {REASON}" in web
    assert findings("manifests") == []
    after = {p.name: p.read_bytes() for p in (repo / "manifests").iterdir()}
    again = run(["manifests", "--add-suppressions", REASON, *CONFIG])
    assert "for 0 findings" in again.err
    assert {p.name: p.read_bytes() for p in (repo / "manifests").iterdir()} == after


def test_add_suppressions_keeps_crlf_and_joins_an_existing_comment(tmp_path: Path) -> None:
    text = POD.replace(
        '"registry.local/b:1"}', '"registry.local/b:1"}  # ekslint: ignore[EKS001] old'
    ).replace("\n", "\r\n")
    path = tmp_path / "pod.yaml"
    path.write_bytes(text.encode())
    assert run([str(path), "--isolated", "--add-suppressions", "  why\nnot  "]).code == 0
    written = path.read_bytes().decode()
    lines = written.split("\r\n")
    assert lines[5].endswith('"}  # ekslint: ignore[EKS012] why not')
    assert lines[6].endswith("# ekslint: ignore[EKS001,EKS012] old")
    assert written.count("\r\n") == text.count("\r\n") and "\n" not in written.replace("\r\n", "")
    # What remains is the old comment's own problem: EKS001 never applied to that line.
    remaining = run([str(path), "--isolated", "--format", "json"]).json["findings"]
    assert [(f["rule"], f["line"]) for f in remaining] == [("EKS018", 7)]


def test_one_finding_is_counted_in_the_singular(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
        "spec: {containers: [{name: a, image: registry.local/a:1}]}\n",
        encoding="utf-8",
    )
    result = run([str(path), "--isolated", "--add-suppressions", REASON])
    assert result.code == 0, result.err
    assert "added suppression comments for 1 finding\n" in result.err
    baseline = tmp_path / "baseline.json"
    path.write_text(path.read_text().split("  #")[0] + "\n", encoding="utf-8")
    written = run([str(path), "--isolated", "--write-baseline", str(baseline)])
    assert f"wrote 1 finding to the baseline {baseline}\n" in written.err


def test_json_and_string_embedded_findings_go_to_the_baseline(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = json.loads(json.dumps({"apiVersion": "v1", "kind": "Pod"}))
    manifest["metadata"] = {"name": "app"}
    manifest["spec"] = {"containers": [{"name": "a", "image": "10.0.0.1:5000/a:1"}]}
    (repo / "pod.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (repo / "eks-config.yaml").write_text(EKS_CONFIG, encoding="utf-8")
    original = {n: (repo / n).read_bytes() for n in ("pod.json", "eks-config.yaml")}
    args = ["pod.json", "eks-config.yaml", "--isolated", "--http-registry", "10.0.0.9:5000"]
    assert run(args).code == 1
    result = run([*args, "--add-suppressions", REASON])
    assert result.code == 0, result.err
    assert "accepted in the baseline .ekslint-baseline.json" in result.err
    assert {n: (repo / n).read_bytes() for n in original} == original  # no comment written
    entries = json.loads((repo / ".ekslint-baseline.json").read_text())["findings"]
    assert {e["file"] for e in entries} == {"pod.json", "eks-config.yaml"}
    assert run([*args, "--baseline", ".ekslint-baseline.json"]).code == 0


def test_baseline_survives_moved_lines_but_not_another_file(repo: Path) -> None:
    assert run(["manifests", "--write-baseline", "baseline.json", *CONFIG]).code == 0
    assert findings("manifests", "--baseline", "baseline.json") == []
    web = repo / "manifests" / "web.yaml"
    web.write_text("# a header\n\n" + web.read_text(encoding="utf-8"), encoding="utf-8")
    assert findings("manifests", "--baseline", "baseline.json") == []  # every line moved
    # The same objects (same kind, namespace and name) in another file are new findings.
    shutil.copy(web, repo / "manifests" / "web-copy.yaml")
    new = findings("manifests", "--baseline", "baseline.json")
    assert {name for name, _, _ in new} == {"web-copy.yaml"}
    assert len(new) == 6  # every finding of web.yaml


def test_baseline_tells_objects_containers_and_registries_apart(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD, encoding="utf-8")
    baseline = tmp_path / "b.json"
    assert run([str(path), "--isolated", "--write-baseline", str(baseline)]).code == 0
    assert run([str(path), "--isolated", "--baseline", str(baseline)]).code == 0
    cases = {  # the change -> how many findings are new
        "another object": (POD.replace("name: app", "name: other"), 2),
        "another container": (POD.replace("name: a,", "name: c,"), 1),
        "another registry": (POD.replace("10.0.0.1:5000", "10.0.0.2:5000"), 1),
    }
    for case, (text, new) in cases.items():
        path.write_text(text, encoding="utf-8")
        result = run([str(path), "--isolated", "--baseline", str(baseline), "--format", "json"])
        assert len(result.json["findings"]) == new, case
    path.write_text(POD.replace("a:1", "a:2"), encoding="utf-8")  # same registry, new tag
    assert run([str(path), "--isolated", "--baseline", str(baseline)]).code == 0


def test_a_bad_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD, encoding="utf-8")
    baseline = tmp_path / "b.json"
    for content, message in (
        ("{\n  oops", "b.json:2:3: invalid JSON"),
        ('{"version": 1, "findings": [{"rule": 1}]}', "findings[0]: expected the string keys"),
        ("[]", "not an ekslint baseline"),
    ):
        baseline.write_text(content, encoding="utf-8")
        result = run([str(path), "--isolated", "--baseline", str(baseline)])
        assert result.code == 2
        assert message in result.err
        assert "Traceback" not in result.err
    missing = run([str(path), "--isolated", "--baseline", str(tmp_path / "none.json")])
    assert missing.code == 2 and "baseline file not found" in missing.err


def test_adoption_flags_do_not_mix_with_fixing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run([str(tmp_path), "--fix", "--add-suppressions", "x"])
    assert exit_.value.code == 2


def test_baseline_on_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # --stdin-filename is relative to the working directory
    baseline = tmp_path / "b.json"
    args = ["-", "--isolated", "--stdin-filename", "pod.yaml"]
    wrote = run([*args, "--write-baseline", str(baseline)], POD.encode(), monkeypatch)
    assert wrote.code == 0
    assert json.loads(baseline.read_text())["findings"][0]["file"] == "pod.yaml"
    assert run([*args, "--baseline", str(baseline)], POD.encode(), monkeypatch).code == 0
    other = POD.replace("10.0.0.1:5000", "10.0.0.3:5000").encode()
    assert run([*args, "--baseline", str(baseline)], other, monkeypatch).code == 1


def test_adoption_flags_do_not_mix_with_kustomize(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(["--kustomize", str(tmp_path), "--baseline", "b.json"])
    assert exit_.value.code == 2
