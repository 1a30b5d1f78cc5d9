"""The Python API: the same findings and fixes as the command line, on text in memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ekslint
from conftest import BAD_POD, FIXTURES, ROOT, run

LAB = "10.16.100.174:5000"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          image: 10.0.0.5:5000/shop/web:1
"""
HTTP_LAB = {"registries": [{"host": "10.0.0.5:5000", "protocol": "http"}]}


def test_import_is_light() -> None:
    code = "import sys, ekslint; print(sorted(m for m in sys.modules if m.startswith('ekslint')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['ekslint']"


def test_lint_text_reports_rule_name_severity_and_exact_span() -> None:
    settings = ekslint.Settings.from_config(HTTP_LAB)
    (finding,) = ekslint.lint_text(DEPLOYMENT, filename="web.yaml", settings=settings)
    assert (finding.rule, finding.name, finding.severity) == (
        "EKS001",
        "missing-http-endpoint",
        "error",
    )
    assert finding.filename == "web.yaml"
    line = DEPLOYMENT.splitlines()[finding.line - 1]
    assert line[finding.column - 1 : finding.end_column - 1] == "10.0.0.5:5000/shop/web:1"
    assert finding.end_line == finding.line
    assert finding.object == ekslint.ObjectRef("Deployment", "web", None)
    assert finding.container == "app"
    assert finding.fix is not None and finding.fix.applicability == "safe"


def test_fix_edits_apply_to_the_text_as_fix_text_does() -> None:
    settings = ekslint.Settings.from_config(HTTP_LAB)
    (finding,) = ekslint.lint_text(DEPLOYMENT, settings=settings)
    assert finding.fix is not None
    text = DEPLOYMENT
    for edit in sorted(finding.fix.edits, key=lambda e: e.offset, reverse=True):
        text = text[: edit.offset] + edit.replacement + text[edit.end_offset :]
    fixed, remaining = ekslint.fix_text(DEPLOYMENT, settings=settings)
    assert text == fixed
    assert remaining == []
    assert 'registry-http-endpoint: "10.0.0.5:5000"' in fixed


@pytest.mark.parametrize("name", ["web.yaml", "debug-pod.yaml"])
def test_lint_text_agrees_with_the_cli(name: str) -> None:
    path = ROOT / "examples" / "manifests" / name
    config = ROOT / "examples" / ".ekslint.yaml"
    cli = run([str(path), "--format", "json", "--config", str(config)]).json["findings"]
    api = ekslint.lint_text(
        path.read_text(encoding="utf-8"),
        filename=str(path),
        settings=ekslint.load_settings(str(config)),
    )
    assert [(f["rule"], f["line"], f["column"], f["message"], f["severity"]) for f in cli] == [
        (f.rule, f.line, f.column, f.message, f.severity) for f in api
    ]


def test_fix_text_matches_the_golden_fix() -> None:
    source = FIXTURES / "fix" / "eks001-comments.yaml"
    golden = FIXTURES / "fix" / "eks001-comments.fixed.yaml"
    settings = ekslint.Settings.from_config({"registries": [{"host": LAB, "protocol": "http"}]})
    fixed, _ = ekslint.fix_text(source.read_text(encoding="utf-8"), settings=settings)
    assert fixed == golden.read_text(encoding="utf-8")


def test_unsafe_fixes_only_when_asked() -> None:
    text = (ROOT / "examples" / "manifests" / "debug-pod.yaml").read_text(encoding="utf-8")
    settings = ekslint.load_settings(str(ROOT / "examples" / ".ekslint.yaml"))
    safe, left_safe = ekslint.fix_text(text, settings=settings)
    unsafe, left_unsafe = ekslint.fix_text(text, settings=settings, unsafe=True)
    assert safe != unsafe
    assert len(left_unsafe) < len(left_safe)


def test_texts_linted_together_see_each_others_service_accounts() -> None:
    pod = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccountName: puller
  containers:
    - {name: a, image: demo.tencentcloudcr.com/shop/a:1}
"""
    account = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: puller}
imagePullSecrets:
  - name: tcr
"""
    assert [f.rule for f in ekslint.lint_text(pod)] == ["EKS009"]
    together = ekslint.lint_texts({"pod.yaml": pod, "sa.yaml": account})
    assert together == {"pod.yaml": [], "sa.yaml": []}


def test_columns_count_code_points_and_survive_a_byte_order_mark() -> None:
    text = "\ufeff" + BAD_POD.replace("name: app", "name: app-🚀")
    findings = ekslint.lint_text(text)
    plain = ekslint.lint_text(BAD_POD)
    assert [(f.rule, f.line, f.column) for f in findings] == [
        (f.rule, f.line, f.column) for f in plain
    ]
    fixed, _ = ekslint.fix_text(text)
    assert fixed.startswith("\ufeff")
    assert "app-🚀" in fixed


def test_from_config_rejects_what_the_config_file_rejects(tmp_path: Path) -> None:
    with pytest.raises(ekslint.ConfigError) as error:
        ekslint.Settings.from_config({"registries": [{"host": "x:1", "protcol": "http"}]})
    assert str(error.value) == (
        "<config>: unknown key registries[0].protcol (did you mean 'protocol'?); "
        "expected one of: host, protocol"
    )
    with pytest.raises(ekslint.ConfigError, match=r"^<config>: select\[0\]: unknown rule"):
        ekslint.Settings.from_config({"select": ["EKS999"]})
    with pytest.raises(ekslint.ConfigError, match="expected a mapping"):
        ekslint.Settings.from_config(["select"])
    config = tmp_path / ".ekslint.yaml"
    config.write_text("select: [EKS999]\n", encoding="utf-8")
    cli = run([str(tmp_path), "--config", str(config)])
    with pytest.raises(ekslint.ConfigError) as from_file:
        ekslint.load_settings(str(config))
    assert cli.err == f"ekslint: {from_file.value}\n"


def test_load_settings_searches_upwards_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".ekslint.yaml").write_text("ignore: [EKS012]\n", encoding="utf-8")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    settings = ekslint.load_settings(str(nested))
    assert settings.ignore == ["EKS012"]
    assert settings.config_path == str(tmp_path / ".ekslint.yaml")
    assert [f.rule for f in ekslint.lint_text(BAD_POD, settings=settings)] == ["EKS004"]
    with pytest.raises(ekslint.ConfigError, match="config file not found"):
        ekslint.load_settings(str(tmp_path / "missing.yaml"))
