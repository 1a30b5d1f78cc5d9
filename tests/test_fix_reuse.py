"""A fixed file's report is taken from the fixing rounds' lints where that is what re-linting the
whole fixed file reports (``Fixer.reuse_rounds``): both ways must give the same report, the
same fixed list and the same bytes, on every fix fixture, every rule's failing fixture, the real
corpora with their registries declared, and generated workloads."""

from __future__ import annotations

import io
import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from conftest import FIXTURES, SHARED
from ekslint.cli import main
from ekslint.fix.fixer import Fixer
from test_fix_golden import CASES, FIX, _rule_inputs
from test_fix_properties import Case, workloads

REALCLOUD = SHARED / "corpus" / "realcloud"


def _fix(args: list[str], reuse: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(Fixer, "reuse_rounds", reuse)
    out, err = io.StringIO(), io.StringIO()
    code = main(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _both_ways(
    folder: Path,
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    target: str = ".",
) -> dict[str, object]:
    """Fix a copy of ``folder`` each way; the reports and the fixed files must agree."""
    reports = []
    trees = []
    for reuse in (True, False):
        copy = tmp_path / ("reused" if reuse else "relinted")
        _writable_copy(folder, copy)
        monkeypatch.chdir(copy)  # the reports name the files relative to it: the same
        code, out, err = _fix([target, "--fix", "--format", "json", *args], reuse, monkeypatch)
        reports.append((code, out, err))
        trees.append({p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()})
        shutil.rmtree(copy)
    assert reports[0] == reports[1]
    assert trees[0] == trees[1]
    report: dict[str, object] = json.loads(reports[0][1])
    return report


def _writable_copy(source: Path, target: Path) -> None:
    """A copy the fixes can be written to (the shared corpora are read-only, in CI too)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.tsv", "*.md"))
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _diff_both_ways(path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    command = [str(path), "--fix", "--diff", "--isolated", "--format", "json", *args]
    assert _fix(command, True, monkeypatch) == _fix(command, False, monkeypatch)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_fixtures_report_the_same(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _diff_both_ways(FIX / f"{case}.yaml", CASES[case], monkeypatch)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize(
    ("name", "path", "args"), _rule_inputs(), ids=[name for name, _, _ in _rule_inputs()]
)
def test_rule_fixtures_report_the_same(
    name: str, path: Path, args: list[str], unsafe: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _diff_both_ways(path, [*args, "--unsafe-fixes"] if unsafe else args, monkeypatch)


def _declare_registries(corpus: Path, config: Path) -> int:
    """A config declaring every self-hosted registry the corpus uses (from EKS012's findings),
    half plain HTTP and half self-signed, and a pull secret for each TCR registry (EKS009):
    what a team adopting ekslint writes, so that fixes have something to do."""
    out, err = io.StringIO(), io.StringIO()
    main([str(corpus), "--isolated", "--format", "json"], stdout=out, stderr=err)
    findings = json.loads(out.getvalue())["findings"]
    hosts = sorted(
        {
            f["message"].split(" comes from ")[1].split(",")[0]
            for f in findings
            if f["rule"] == "EKS012"
        }
    )
    tcr = sorted(
        {f["message"].split(" is on ")[1].split(" ")[0] for f in findings if f["rule"] == "EKS009"}
    )
    registries = [
        {"host": host, "protocol": "http" if i % 2 == 0 else "https-self-signed"}
        for i, host in enumerate(hosts)
    ]
    data = {"registries": registries, "pull-secrets": {host: "pull-secret" for host in tcr}}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return len(registries) + len(tcr)


REVIEWED = FIXTURES / "fix-reuse"


@pytest.mark.parametrize("case", sorted(p.name for p in REVIEWED.iterdir()))
def test_where_rounds_do_not_suffice(
    case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Inputs a review built to make the two ways differ (each did, before the fallback it
    names was added to _rounds_suffice): the same ServiceAccount or Secret declared twice,
    differently (whichever was read last decides; re-reading a file makes its own the last),
    an object's suppression written with an escaped key, a rendered object whose origin
    names a file the run fixes before it."""
    from ekslint.run import Run

    # Each file written before the next is fixed (not by a thread, whenever it gets to it):
    # a fixed file read again later is then always read as fixed.
    monkeypatch.setattr(Run, "_writes_files", lambda self, inputs: False)
    args = ["--isolated", "--http-registry", "10.16.100.174:5000"]
    report = _both_ways(REVIEWED / case, args, monkeypatch, tmp_path, target="in")
    fixed = report["fixed"]
    assert isinstance(fixed, list) and fixed  # something was fixed, so a report was made


@pytest.mark.slow
@pytest.mark.skipif(
    not REALCLOUD.is_dir(), reason="no shared/corpus/realcloud beside the repository"
)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_realcloud_fixed_the_same(
    unsafe: bool, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = in_tmp / "corpus"
    _writable_copy(REALCLOUD, corpus)
    declared = _declare_registries(corpus, corpus / ".ekslint.yaml")
    assert declared >= 10
    report = _both_ways(corpus, ["--unsafe-fixes"] if unsafe else [], monkeypatch, in_tmp)
    fixed = report["fixed"]
    assert isinstance(fixed, list) and len(fixed) >= 20  # the comparison covers real fixing


@pytest.mark.slow
def test_bench_directory_fixed_the_same(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import bench_module

    corpora = bench_module("corpora")
    if not corpora.default_source().is_dir():
        pytest.skip("no shared/corpus/real beside the repository")
    description = corpora.build_corpora(in_tmp / "bench")
    folder = Path(description["dir"]["path"])
    report = _both_ways(folder, [], monkeypatch, in_tmp)
    fixed = report["fixed"]
    assert isinstance(fixed, list) and len(fixed) >= 90


@pytest.mark.slow
@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=workloads())
def test_generated_workloads_fixed_the_same(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(case.text, encoding="utf-8", newline="")
    args = list(case.args)
    if case.pull_secrets:
        config = tmp_path / "ekslint.yaml"
        config.write_text("pull-secrets:\n  mytcr.tencentcloudcr.com: mytcr-pull\n")
        args += ["--config", str(config)]
    _diff_both_ways(path, args, monkeypatch)


@pytest.mark.parametrize("case", sorted(p.name for p in REVIEWED.iterdir()))
def test_what_fix_reports_is_what_a_lint_of_the_fixed_files_says(
    case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Fixing reads documents again without taking their ServiceAccounts and Secrets again:
    each finding settles against the declarations as the lint read them, in input order, as
    a lint of the fixed files does."""
    from ekslint.run import Run

    monkeypatch.setattr(Run, "_writes_files", lambda self, inputs: False)  # as above
    _writable_copy(REVIEWED / case, tmp_path / "copy")
    monkeypatch.chdir(tmp_path / "copy")
    args = ["in", "--format", "json", "--isolated", "--http-registry", "10.16.100.174:5000"]

    def findings(out: str) -> list[tuple[object, ...]]:
        report = json.loads(out)["findings"]
        return [(f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in report]

    _, fixed, _ = _fix([*args, "--fix"], True, monkeypatch)
    _, linted, _ = _fix(args, True, monkeypatch)
    assert findings(fixed) == findings(linted)
