"""Worker processes give exactly the single-process result, cross-document checks included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

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
    import ekslint.lint.jobs

    monkeypatch.setattr(ekslint.lint.jobs, "SHARD_FILE_BYTES", 1000)
    monkeypatch.setattr(ekslint.lint.jobs, "RUN_BYTES", 300)
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

    def spy(task: object, items: list[list[int]], workers: int) -> object:
        forked.append(sum(len(batch) for batch in items))  # handed out in batches
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


# -- a large file cut into runs of documents -------------------------------------------------

HTTP_KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"
DEPLOYMENT = """---
# Source: shop/templates/app-{i}.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        {annotation}
    spec:
      serviceAccountName: app
      imagePullSecrets: [{{name: regcred}}]
      containers:
        - name: app
          image: 10.0.{ns}.1:5000/team/app-{i}:v1
"""
# A fix refused for a merge key: a note the checks add once per file (Linter.add_notes).
MERGED = f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: merged-{{i}}
spec:
  template:
    metadata:
      labels:
        <<: {{{{{HTTP_KEY}: "10.0.0.1:5000", team: x}}}}
    spec:
      containers:
      - name: c
        image: 10.0.0.1:5000/app:1
"""
WIDGET = """---
apiVersion: example.com/v1
kind: Widget
metadata: {{name: w-{i}}}
spec:
  image: 10.0.0.1:5000/widget:{i}
"""
OTHERS = [
    "--- # a header of directives: the cut is never between it and its document\n",
    "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c-{i}}}\n"
    "data:\n  script: |\n    echo ---\n    ...\n",
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ended-{i}}}\n...\n",
    "---\nkind: [\n",  # invalid YAML
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: \xff{i}}}\n",  # not UTF-8
    "---\n# only a comment\n",
    "---\n- a list, not an object\n",
    "--- !!map\napiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\n"
    "metadata: {{name: dc-{i}}}\nspec:\n  template:\n    spec:\n"
    "      containers: [{{name: a, image: 10.0.0.1:5000/dc:1}}]\n",
]
# Defined after the Deployments that use them: their checks are settled at the end.
CONTEXT = """---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
imagePullSecrets: [{name: regcred}]
---
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: shop}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths": {"10.0.1.1:5000": {}}}'
# ekslint: file-ignore[EKS012]
"""


def large_stream(documents: int) -> bytes:
    """Documents of every kind a run must read as the whole file does: findings (1 in 3
    Deployments misses its port, 1 in 9 of them suppressed by a comment), notes, YAML, UTF-8
    and shape errors, directives, end markers, block scalars, and context defined last."""
    parts = []
    for i in range(documents):
        annotation = f'{HTTP_KEY}: "10.0.{i % 7}.1:5000"'
        if i % 3 == 1:
            annotation = f'{HTTP_KEY}: "10.0.{i % 7}.1"'
            if i % 9 == 4:
                annotation += "  # ekslint: ignore[EKS003]"
        parts.append(DEPLOYMENT.format(i=i, ns=i % 7, annotation=annotation))
        if i % 50 == 7:
            parts.append(MERGED.format(i=i))
        if i % 40 == 11:
            parts.append(WIDGET.format(i=i))
        if i % 30 == 13:
            parts.append(OTHERS[(i // 30) % len(OTHERS)].format(i=i))
    parts.append(CONTEXT)
    return "".join(parts).encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")


def _cut_small(monkeypatch: pytest.MonkeyPatch, run_bytes: int) -> None:
    import ekslint.lint.jobs

    monkeypatch.setattr(ekslint.lint.jobs, "SHARD_FILE_BYTES", 1)
    monkeypatch.setattr(ekslint.lint.jobs, "RUN_BYTES", run_bytes)


@pytest.mark.parametrize("run_bytes", [1, 2_000, 50_000])
def test_a_large_file_in_runs_is_linted_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_bytes: int
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(large_stream(600))
    _cut_small(monkeypatch, run_bytes)
    one, two = _both([str(big)])
    assert one == two
    report = json.loads(one)
    rules = report["summary"]["by_rule"]
    # What each kind of document brings is there: not a comparison of two empty reports.
    # EKS010: the Secret, defined last, holds no credentials for the pods' registry (but one).
    assert rules["EKS003"] == 200 - 67 and rules["EKS010"] == 600 - 86, rules
    assert "EKS012" not in rules
    messages = [e["message"] for e in report["errors"]]
    assert any("invalid UTF-8" in m for m in messages)
    assert any("not a Kubernetes object" in m for m in messages)
    assert sum("flow" in m or "expected" in m for m in messages) >= 1, messages
    notes = [n["message"] for n in report["notes"]]
    assert sum("merge key" in n for n in notes) == 12
    assert sum("does not check" in n for n in notes) == 15
    assert any("another platform" in n for n in notes)


def test_runs_give_the_single_process_result_field_by_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the report does not show either: each finding's chunk index (what a fix edits),
    the pending findings, the suppressions and the counts."""
    from ekslint.config.settings import Settings
    from ekslint.lint.engine import Linter
    from ekslint.lint.parallel import lint_in_workers

    big = tmp_path / "big.yaml"
    big.write_bytes(large_stream(300))
    _cut_small(monkeypatch, 2_000)
    single = Linter(Settings())
    alone = single.lint_file(str(big))
    pending = len(single.deferred)
    workers = Linter(Settings())
    (shared,) = lint_in_workers(workers, [(str(big), str(big))], 2)
    assert len(workers.deferred) > 10  # one packed batch per run
    for linter, result in ((single, alone), (workers, shared)):
        linter.resolve_deferred()
        linter.finish(result)
    assert pending and shared.findings == alone.findings
    assert {f.chunk for f in alone.findings} == {f.chunk for f in shared.findings}
    assert len({f.chunk for f in alone.findings}) > 100
    for name in ("errors", "notes", "mappings", "objects", "skipped"):
        assert getattr(shared, name) == getattr(alone, name), name

    def suppressions(result: Any) -> list[tuple[Any, ...]]:
        return [
            (s.kind, s.rules, s.line, s.column, s.lines, s.obj, s.empty, s.used)
            for s in result.suppressions.items
        ]

    assert suppressions(shared) == suppressions(alone) and suppressions(alone)


def test_a_template_in_a_run_skips_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = large_stream(300)
    middle = data.index(b"\n---", len(data) // 2) + 1
    big = tmp_path / "big.yaml"
    template = b"---\n{{- if .Values.enabled }}\nkind: Pod\n{{- end }}\n"
    big.write_bytes(data[:middle] + template + data[middle:])
    _cut_small(monkeypatch, 3_000)
    one, two = _both([str(big)])
    assert one == two
    report = json.loads(one)
    # Nothing is linted; the suppression comments read before the template now suppress nothing.
    assert {f["rule"] for f in report["findings"]} == {"EKS018"}, report["summary"]
    assert report["errors"]  # those of the documents before it stay
    assert [n for n in report["notes"] if "template" in n["message"]]


def test_an_oversized_document_in_a_run_ends_the_file_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekslint.input import read

    monkeypatch.setattr(read, "MAX_DOCUMENT_BYTES", 100_000)
    data = large_stream(300)
    middle = data.index(b"\n---", len(data) // 3) + 1
    huge = b"---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n" + b"    x\n" * 20_000
    big = tmp_path / "big.yaml"
    big.write_bytes(data[:middle] + huge + data[middle:])
    _cut_small(monkeypatch, 3_000)
    one, two = _both([str(big)])
    assert one == two
    report = json.loads(one)
    assert "larger than" in report["errors"][-1]["message"]
    assert "EKS010" not in report["summary"]["by_rule"]  # the Secret, after it, is not read


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["real", "realcloud"])
def test_corpora_with_every_file_in_runs(monkeypatch: pytest.MonkeyPatch, corpus: str) -> None:
    folder = CORPUS.parent / corpus
    if not folder.is_dir():
        pytest.skip(f"no {folder}")
    _cut_small(monkeypatch, 2_000)
    one, two = _both([str(folder)])
    assert one == two


@pytest.mark.slow
def test_a_5_mb_stream_in_workers_is_the_single_process_report(tmp_path: Path) -> None:
    """At the real sizes: the file is cut into runs of 1 MB."""
    big = tmp_path / "big.yaml"
    data = large_stream(12_000)
    assert len(data) > 4_000_000
    big.write_bytes(data)
    one, two = _both([str(big)])
    assert one == two
    mismatched = sum(1 for i in range(12_000) if i % 7 != 1)
    assert json.loads(one)["summary"]["by_rule"]["EKS010"] == mismatched


def test_a_file_named_twice_is_linted_twice_as_in_one_process(tmp_path: Path) -> None:
    """Each input is its own result in workers too: a file named twice (directly and through its
    folder) reports its errors, notes and unused suppressions once for each naming."""
    folder = tmp_path / "d"
    folder.mkdir()
    bad = folder / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n")
    unused = folder / "unused.yaml"
    unused.write_text(
        "apiVersion: v1\nkind: ConfigMap  # ekslint: ignore[EKS001] x\nmetadata:\n  name: a\n"
    )
    one, two = _both([str(folder), str(bad), str(unused)])
    assert one == two
    report = json.loads(one)
    assert len(report["errors"]) == 2
    assert [f["rule"] for f in report["findings"]] == ["EKS018", "EKS018"]


def test_a_large_file_replaced_while_workers_read_it_is_an_error_not_a_mix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers open a large file's runs by name: one replaced after it was cut into runs is
    reported as changed, not read half old and half new."""
    import os

    import ekslint.lint.parallel as parallel

    big = tmp_path / "big.yaml"
    big.write_bytes(large_stream(60))
    _cut_small(monkeypatch, 2_000)
    runs = parallel._runs

    def replaced_after_cutting(position: int, path: str, display: str) -> Any:
        cut = list(runs(position, path, display))
        other = tmp_path / "other.yaml"
        other.write_bytes(large_stream(30))
        os.replace(other, big)
        return iter(cut)

    monkeypatch.setattr(parallel, "_runs", replaced_after_cutting)
    done = run([str(big), "-j", "2", "--format", "json", "--isolated"])
    assert done.code == 2
    messages = [e["message"] for e in json.loads(done.out)["errors"]]
    assert any(message.startswith("the file changed on disk") for message in messages), messages


def test_a_worker_that_dies_is_one_error_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed (out of memory, kill -9): no traceback, no report that looks complete, and the
    exit code of an error, not of findings."""
    import os
    import signal

    import ekslint.lint.parallel as parallel

    for n in range(6):
        (tmp_path / f"pod-{n}.yaml").write_text(POD.format(n=n))

    def killed(*item: object) -> dict[str, Any]:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    monkeypatch.setattr(parallel, "_lint_item", killed)
    done = run([str(tmp_path), "-j", "2", "--isolated"])
    assert done.code == 2
    assert done.out == ""
    assert done.err.startswith("ekslint: error: a worker process (pid ")
    assert done.err.endswith(") ended unexpectedly\n")
