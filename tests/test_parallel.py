"""Worker processes give exactly the single-process result, cross-document checks included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import BAD_POD, CORPUS, GOOD_POD, run

POD = """apiVersion: v1
kind: Pod
metadata:
  name: p{n}
  namespace: shop
spec:
  serviceAccountName: puller
  containers:
    - name: a
      image: demo.tencentcloudcr.com/team/a:{n}
    - name: b
      image: 10.16.100.174:5000/b:{n}
"""
ACCOUNT = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: puller
  namespace: shop
imagePullSecrets: [{name: tcr}]
"""
DEFAULTS = """apiVersion: v1
kind: ConfigMap
metadata: {name: eks-config, namespace: kube-system}
data:
  pod.annotations: |
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.16.100.174:5000"
"""


def _both(paths: list[str], *extra: str) -> tuple[str, str]:
    one = run([*paths, "-j", "1", "--format", "json", "--isolated", *extra])
    two = run([*paths, "-j", "2", "--format", "json", "--isolated", *extra])
    assert one.code == two.code
    return one.out, two.out


def test_many_files_with_cross_file_objects(tmp_path: Path) -> None:
    for n in range(40):
        (tmp_path / f"pod-{n:02d}.yaml").write_text(POD.format(n=n))
    (tmp_path / "zz-account.yaml").write_text(ACCOUNT)
    (tmp_path / "zz-defaults.yaml").write_text(DEFAULTS)
    one, two = _both([str(tmp_path)], "--http-registry", "10.16.100.174:5000")
    assert one == two
    assert '"findings": []' in one  # the account and the defaults, in other files, count


def test_one_large_file_shared_between_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ekslint.lint.engine
    import ekslint.lint.parallel

    monkeypatch.setattr(ekslint.lint.parallel, "SHARD_FILE_BYTES", 1000)
    monkeypatch.setattr(ekslint.lint.parallel, "RUN_BYTES", 300)
    documents = [POD.format(n=n) for n in range(600)] + ["kind: [\n"] + [ACCOUNT]
    big = tmp_path / "big.yaml"
    big.write_text("---\n".join(documents) + "# ekslint: file-ignore[EKS012]\n")
    one, two = _both([str(big)])
    assert one == two
    assert '"EKS012"' not in one and "invalid YAML" in one


def test_corpus_same_either_way() -> None:
    if CORPUS.is_dir():
        one, two = _both([str(CORPUS)])
        assert one == two


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fixing_in_workers_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """--fix lints in worker processes, then reads again, fixes and writes the files it fixes
    in forked workers: the files written, the diff and the report are those of a
    single-process run. One file cannot be written (read-only): its error comes back too."""
    import ekslint.lint.parallel

    forked: list[int] = []
    real = ekslint.lint.parallel.map_in_forks

    def spy(task: object, items: list[int], workers: int) -> object:
        forked.append(len(items))
        return real(task, items, workers)  # type: ignore[arg-type]

    monkeypatch.setattr(ekslint.lint.parallel, "map_in_forks", spy)
    source = tmp_path / "source"
    source.mkdir()
    for number in range(30):
        text = BAD_POD if number % 3 == 0 else GOOD_POD
        (source / f"m{number:02}.yaml").write_text(text.replace("app", f"app{number}"), "utf-8")
    reports = []
    for jobs in ("1", "2"):
        copy = tmp_path / f"jobs{jobs}"
        shutil.copytree(source, copy)
        (copy / "m03.yaml").chmod(0o444)
        result = run([str(copy), mode, "--isolated", "--format", "json", "-j", jobs])
        assert result.code in (1, 2), result.err
        report = json.loads(
            result.err.replace(str(copy), "<dir>")
            if mode == "--diff"
            else result.out.replace(str(copy), "<dir>")
        )
        reports.append((result.code, report, result.out.replace(str(copy), "<dir>")))
        if mode == "--fix":
            assert report["summary"]["fixed"] == 9
            assert any("m03.yaml" in e["path"] for e in report["errors"])
    assert forked == [10]  # only the two-worker run forked, for the ten files to fix
    assert reports[0] == reports[1]
    for name in sorted(p.name for p in source.iterdir()):
        assert (tmp_path / "jobs1" / name).read_bytes() == (tmp_path / "jobs2" / name).read_bytes()
