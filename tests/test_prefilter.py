"""The text pre-filter (ekslint.input.prefilter) changes no report: every input linted with it
and without it gives the same JSON, byte for byte; and it does skip what it should."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, FIXTURES, run
from ekslint.config.settings import Settings
from ekslint.input import prefilter
from ekslint.lint.engine import FileResult, Linter, document_filter
from ekslint.lint.rulepack import available_platforms, load_platform

# The shared corpora beside the repository (EKSLINT_CORPORA names another folder holding them).
CORPORA = Path(os.environ.get("EKSLINT_CORPORA", CORPUS.parent))


def both_paths(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[str, str]:
    """The JSON report of ``args`` with the pre-filter, then without it (one process, one
    core: workers would inherit the switch only where they are forked)."""
    argv = ["--format", "json", "--jobs", "1", "--exit-zero", *args]
    filtered = run(argv)
    monkeypatch.setattr(prefilter, "ENABLED", False)
    composed = run(argv)
    monkeypatch.setattr(prefilter, "ENABLED", True)
    assert filtered.code == composed.code
    assert filtered.err == composed.err
    return filtered.out, composed.out


@pytest.mark.parametrize(
    ("corpus", "platforms"),
    [("real", ["tencent-eks"]), ("realcloud", available_platforms())],
)
def test_corpora_report_the_same_with_and_without_the_prefilter(
    monkeypatch: pytest.MonkeyPatch, corpus: str, platforms: list[str]
) -> None:
    path = CORPORA / corpus
    if not path.is_dir():
        pytest.skip(f"{path} is not there")
    for platform in platforms:
        filtered, composed = both_paths(
            monkeypatch, [str(path), "--isolated", "--platform", platform]
        )
        assert filtered == composed, platform


def test_fixtures_report_the_same_with_and_without_the_prefilter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for platform in available_platforms():
        filtered, composed = both_paths(
            monkeypatch, [str(FIXTURES), "--isolated", "--platform", platform]
        )
        assert filtered == composed, platform


# -- generated documents: every shape the filter reasons about, and mistakes in each ----------

ROOT_ENTRIES = [
    "apiVersion: v1",
    "kind: ConfigMap",
    "kind: Service",
    "kind: Widget",
    "kind: WidgetList",
    'kind: "ConfigMap"',
    "kind:\n  ConfigMap",
    "apiVersion: apps.openshift.io/v1",
    "metadata:\n  name: a",
    "metadata:\n  name: a\n  name: b",
    "metadata:\n  name: a\n  annotations:\n    x: '1'\n    x: '2'",
    "metadata:\n  annotations:\n    a.io/x: y\n    eks.tke.cloud.tencent.com/cpu: '1'",
    "metadata:\n  annotations:\n    eks.tke.cloud.tencent.com/registry-http-endpoint: r:5000",
    "metadata:\n  annotations:\n    ekslint.io/ignore: EKS999",
    "metadata:\n  annotations: {a: 1, a: 2}",
    "metadata:\n  annotations:\n  - a",
    "metadata:\n  finalizers:\n  - f\n  labels:\n    app: x",
    "metadata: {name: a, name: a}",
    "metadata:\n\tname: a",
    "metadata:\n  name: eks-config\n  namespace: kube-system",
    "data:\n  pod.annotations: |\n    eks.tke.cloud.tencent.com/registry-http-endpoint: r:5000",
    "spec:\n  a: 1",
    "spec:\n  x:\n    spec: 1\n    spec: 2",
    "spec:\n  x: {spec: 1, spec: 2}",
    "spec:\n  containers:\n  - name: a\n    image: r:5000/a",
    "spec:\n  template:\n    metadata: {}\n    metadata: {}",
    "items:\n- kind: Pod\n  apiVersion: v1",
    "data:\n  a: &x 1\n  b: *x",
    "data:\n  a: *nothing",
    "data:\n  a: &x 1\n  b: &x 2",
    "data:\n  <<: {a: 1}",
    "? kind\n: Secret",
    "!!str kind: Secret",
    '"kind": Pod',
    "'kind': Pod",
    '"k\\x69nd": Pod',
    'data:\n  a: "\\u0053ecret"',
    'data:\n  a: "line \\\n    continued"',
    'data:\n  a: "caf\\u00e9 \\n"',
    "data:\n  a: |\n    && *.txt ! x\n    --- not a marker",
    "data:\n  a: [1, 2",
    "data:\n  a: b: c",
    "data:\n  a: 'unterminated",
    "data:\n  a:\x07bell",
    "data:\n  a: x\r  b: y",
    "data:\n  a: x\u2028b: y",
    "  indented: mapping",
    "- a list",
    "just a scalar",
    "# a comment",
    "kind: Secret\ntype: kubernetes.io/dockerconfigjson",
    "kind: ServiceAccount",
    "kind: Deployment",
    "data:\n  t: '{{ .Values.x }}'",
    "%YAML 1.1",
    "...",
    "",
]


def lint_bytes(data: bytes) -> tuple[list[tuple[object, ...]], ...]:
    linter = Linter(Settings())
    result = FileResult("m.yaml")
    linter.lint_stream(io.BytesIO(data), result, keep_text=False)
    linter.resolve_deferred()
    linter.finish(result)
    return (
        [(f.rule, f.line, f.column, f.message) for f in result.findings],
        [(e.line, e.column, e.message) for e in result.errors],
        [(n.line, n.message) for n in result.notes],
    )


documents = st.lists(st.sampled_from(ROOT_ENTRIES), min_size=0, max_size=6).map("\n".join)
streams = st.lists(
    st.tuples(st.sampled_from(["---\n", "--- # c\n", "", "--- |\n"]), documents),
    min_size=1,
    max_size=3,
).map(lambda docs: "".join(marker + body + "\n" for marker, body in docs))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(streams)
def test_generated_documents_report_the_same_with_and_without_the_prefilter(text: str) -> None:
    data = text.encode("utf-8")
    filtered = lint_bytes(data)
    prefilter.ENABLED = False
    try:
        composed = lint_bytes(data)
    finally:
        prefilter.ENABLED = True
    assert filtered == composed


# -- what is skipped ---------------------------------------------------------------------------

SKIPPED = document_filter(load_platform("tencent-eks"))


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
        "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\ndata:\n"
        '  a: "x"\n  b: |\n    make && echo * \\\n',
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "spec:\n  a:\n    spec: 1\n  spec: 2\n",
        "# only a comment\n",
    ],
)
def test_documents_no_check_reads_are_not_composed(text: str) -> None:
    assert SKIPPED.inert(text)


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: Pod\nspec: {}\n",  # a pod-template kind
        "kind: Widget\nspec:\n  template:\n    spec:\n      containers: []\n",
        "kind: Widget\nspec:\n  a: 1\nstatus:\n  spec: 2\n",  # searched: spec read everywhere
        "kind: Secret\n",
        "metadata:\n  annotations:\n    eks.tke.cloud.tencent.com/cpu: '1'\n",
        "metadata:\n  annotations:\n    a: '1'\n    a: '2'\n",  # a duplicate EKS007 would see
        "metadata:\n  name: a\nmetadata:\n  name: b\n",
        "kind: ConfigMap\ndata:\n  a: *alias\n",
        'kind: ConfigMap\ndata:\n  a: "\\x53ecret"\n',
        "- a\n",
        "  a: 1\n",
    ],
)
def test_documents_that_may_matter_are_composed(text: str) -> None:
    assert not SKIPPED.inert(text)


def test_a_skipped_document_still_gets_its_syntax_error_at_its_place(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: c\n"
    assert SKIPPED.inert(text)
    path = tmp_path / "cm.yaml"
    path.write_text("---\n" + text, encoding="utf-8")
    errors = run([str(path), "--format", "json", "--isolated"]).json["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(6, 4)]
    assert "did not find expected ',' or ']'" in errors[0]["message"]
