"""The rule catalogue is data: each file validates against the schema (here, not at run time:
the tool trusts the packs it ships), its examples behave as they say, and its documentation is
complete."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT, lint_text, run
from ekslint.lint.checks import load_all
from ekslint.lint.rulepack import available_platforms, load_platform

SCHEMAS = ROOT / "rules" / "schema"
RULE_FILES = sorted((ROOT / "rules" / "base").glob("*.yaml"))
PACK_FILES = sorted((ROOT / "rules" / "platforms").glob("*.yaml"))


def _schema(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    return data


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_file_valid(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), _schema("rule"))


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_platform_file_valid(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, _schema("platform"))
    assert data["platform"] == path.stem
    # A pack is its platform's values plus what truly differs, not a copy of the rules.
    assert len(path.read_text(encoding="utf-8").splitlines()) < 200


def test_schema_rejects_a_broken_rule() -> None:
    broken = {"number": "001", "name": "Bad Name", "severity": "fatal"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("rule"))


ALL_RULES = [
    (name, rule) for name in available_platforms() for rule in load_platform(name).rules.values()
]


@pytest.mark.parametrize(("platform", "rule"), ALL_RULES, ids=lambda x: getattr(x, "id", x))
def test_rule_metadata(platform: str, rule: object) -> None:
    from ekslint.lint.rulepack import Rule

    assert isinstance(rule, Rule)
    assert rule.check in load_all()
    assert rule.remediation.endswith(".")
    assert rule.summary and rule.rationale
    assert rule.fix_available == (rule.fix_safety is not None)


@pytest.mark.parametrize(("platform", "rule"), ALL_RULES, ids=lambda x: getattr(x, "id", x))
def test_rule_examples(platform: str, rule: object, tmp_path: Path) -> None:
    """The example the documentation shows is reported; the suggested form is not."""
    from ekslint.lint.rulepack import Rule

    assert isinstance(rule, Rule)
    args = ["--platform", platform]
    for key, value in rule.examples.get("settings", {}).items():
        for host in value:
            args += [f"--{key}", host]
    failing = lint_text(tmp_path, rule.examples["fail"], *args)
    assert rule.id in {f["rule"] for f in failing.json["findings"]}
    passing = lint_text(tmp_path, rule.examples["pass"], *args)
    assert rule.id not in {f["rule"] for f in passing.json["findings"]}


def test_rule_command_explains() -> None:
    result = run(["rule", "EKS003"])
    assert result.code == 0
    for section in (
        "What it does",
        "Why is this bad?",
        "How to fix it",
        "Fix safety",
        "Example",
        "Use instead",
    ):
        assert section in result.out
    assert "annotation-missing-port" in result.out
    by_name = run(["rule", "annotation-missing-port"])
    assert by_name.out == result.out
    assert run(["rule", "EKS999"]).code == 2


def test_rules_command_lists_all() -> None:
    result = run(["rules"])
    ids = [line.split()[0] for line in result.out.splitlines()]
    assert ids == list(load_platform("tencent-eks").rules)
    listed = run(["rules", "--format", "json"]).json
    assert {r["id"] for r in listed} == set(ids)


def test_rules_command_follows_the_configured_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".ekslint.yaml").write_text("platform: aliyun-eci\n")
    monkeypatch.chdir(tmp_path)
    assert run(["rules"]).out.startswith("ECI001")
    assert run(["rules", "--platform", "tencent-eks"]).out.startswith("EKS001")
