"""``--format sarif``: a SARIF 2.1.0 log that validates against the official OASIS schema (a copy
is kept in tests/schemas) and says what the JSON report says. Also ``--output FILE`` for every
format."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from conftest import BAD_POD, GOOD_POD, run
from ekslint.lint.rulepack import load_platform
from ekslint.report.sarif import SARIF_SCHEMA, artifact_location, help_uri

SCHEMA_FILE = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"

BAD = BAD_POD

GOOD = GOOD_POD

# Characters allowed in a URI reference (RFC 3986); anything else must be percent-encoded.
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def assert_valid(log: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
    )


def sarif(
    argv: list[str], stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, dict[str, Any], str]:
    result = run(
        ["--isolated", "--format", "sarif", *argv],
        stdin=None if stdin is None else stdin.encode(),
        monkeypatch=monkeypatch,
    )
    log = result.json  # stdout holds the SARIF document and nothing else
    assert_valid(log)
    return result.code, log, result.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stored_schema_is_the_oasis_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"] == SARIF_SCHEMA
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    # Every reference resolves, so validation cannot silently skip a part of a log.
    refs = set(re.findall(r'"#/definitions/(\w+)"', SCHEMA_FILE.read_text(encoding="utf-8")))
    assert refs <= set(schema["definitions"])


def test_clean_run_has_empty_results(workdir: Path) -> None:
    (workdir / "good.yaml").write_text(GOOD)
    code, log, err = sarif(["good.yaml"])
    assert code == 0
    assert err == ""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SARIF_SCHEMA
    (run_,) = log["runs"]
    assert run_["results"] == []
    assert run_["invocations"] == [{"executionSuccessful": True}]


def test_driver_describes_every_rule_of_the_platform(workdir: Path) -> None:
    (workdir / "good.yaml").write_text(GOOD)
    _, log, _ = sarif(["good.yaml"])
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ekslint"
    assert driver["version"]
    assert urlsplit(driver["informationUri"]).scheme == "https"
    platform = load_platform("tencent-eks")
    assert [r["id"] for r in driver["rules"]] == list(platform.rules)
    for descriptor in driver["rules"]:
        rule = platform.rules[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.rationale
        assert descriptor["help"]["text"] == rule.remediation
        assert rule.remediation in descriptor["help"]["markdown"]
        assert descriptor["helpUri"] == f"https://github.com/ekslint/ekslint#{rule.id.lower()}"
        assert descriptor["defaultConfiguration"] == {"level": rule.severity}


def test_results_say_what_the_json_report_says(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    code, log, _ = sarif(["bad.yaml"])
    assert code == 1
    findings = run(["--isolated", "--format", "json", "bad.yaml"]).json["findings"]
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    assert {f["rule"] for f in findings} == {"EKS004", "EKS012"}
    assert len(results) == len(findings)
    for finding, result in zip(findings, results, strict=True):
        assert result["ruleId"] == finding["rule"]
        assert rules[result["ruleIndex"]]["id"] == finding["rule"]
        assert result["level"] == finding["severity"]
        assert result["message"]["text"] == finding["message"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "bad.yaml", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {
            "startLine": finding["line"],
            "startColumn": finding["column"],
        }
        assert result["properties"]["object"] == finding["object"]
        assert result["properties"].get("container") == finding["container"]
        assert result["properties"]["fix"] == finding["fix"]
        assert "fixes" not in result
    eks004 = next(r for r in results if r["ruleId"] == "EKS004")
    assert eks004["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6,
        "startColumn": 55,
    }
    assert eks004["level"] == "error"
    eks012 = next(r for r in results if r["ruleId"] == "EKS012")
    assert eks012["level"] == "warning"
    assert eks012["properties"]["container"] == "c"


def test_input_errors_are_error_notifications(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    (workdir / "broken.yaml").write_text("kind: Pod\nmetadata: {name: [\n")
    code, log, err = sarif(["bad.yaml", "broken.yaml", "missing.yaml"])
    assert code == 2
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "error"]
    broken, missing = notes
    where = broken["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "broken.yaml"
    assert where["region"]["startLine"] >= 2
    assert "YAML" in broken["message"]["text"]
    # A file that cannot be opened is an error about the file as a whole: no region.
    assert missing["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "missing.yaml", "uriBaseId": "%SRCROOT%"}
    }
    # The other file was still linted.
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"EKS004", "EKS012"}
    # People still see the errors, on stderr.
    assert "broken.yaml:" in err and "missing.yaml" in err


def test_skipped_helm_templates_are_notes(workdir: Path) -> None:
    (workdir / "deployment.yaml").write_text(
        "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        '  name: {{ include "chart.fullname" . }}\n{{- end }}\n'
    )
    code, log, _ = sarif(["deployment.yaml"])
    assert code == 0
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "note"
    assert "helm template" in note["message"]["text"]


def test_severity_overrides_change_the_result_level_not_the_default(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    (workdir / "ekslint.yaml").write_text("severity: {EKS012: error}\n")
    result = run(["--config", "ekslint.yaml", "--format", "sarif", "bad.yaml"])
    assert result.code == 1, result.err
    log = result.json
    assert_valid(log)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    eks012 = next(r for r in run_["results"] if r["ruleId"] == "EKS012")
    assert eks012["level"] == "error"
    assert rules[eks012["ruleIndex"]]["defaultConfiguration"] == {"level": "warning"}
    assert run_["invocations"][0]["ruleConfigurationOverrides"] == [
        {
            "descriptor": {"id": "EKS012", "index": eks012["ruleIndex"]},
            "configuration": {"level": "error"},
        }
    ]


def test_helm_template_is_a_result_property(monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = "---\n# Source: chart/templates/pod.yaml\n" + BAD
    code, log, _ = sarif(["-", "--stdin-filename", "rendered.yaml"], rendered, monkeypatch)
    assert code == 1
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        assert result["properties"]["source"] == "chart/templates/pod.yaml"
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "rendered.yaml"
    eks004 = next(r for r in results if r["ruleId"] == "EKS004")
    assert eks004["locations"][0]["physicalLocation"]["region"]["startLine"] == 8


def test_stdin_without_a_name_is_still_a_valid_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    code, log, _ = sarif(["-"], BAD, monkeypatch)
    assert code == 1
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ]
    assert URI_CHARS.match(uri), uri


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("k8s/app.yaml", {"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("./k8s/app.yaml", {"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("my dir/app 1.yaml", {"uri": "my%20dir/app%201.yaml", "uriBaseId": "%SRCROOT%"}),
        ("a:b.yaml", {"uri": "a%3Ab.yaml", "uriBaseId": "%SRCROOT%"}),
        ("100%.yaml", {"uri": "100%25.yaml", "uriBaseId": "%SRCROOT%"}),
        (
            "清单/应用.yaml",
            {"uri": "%E6%B8%85%E5%8D%95/%E5%BA%94%E7%94%A8.yaml", "uriBaseId": "%SRCROOT%"},
        ),
        ("<stdin>", {"uri": "%3Cstdin%3E", "uriBaseId": "%SRCROOT%"}),
        ("/srv/k8s/app.yaml", {"uri": "file:///srv/k8s/app.yaml"}),
        # On POSIX a backslash is part of the name: the annotation must not move elsewhere.
        ("k8s\\win\\app.yaml", {"uri": "k8s%5Cwin%5Capp.yaml", "uriBaseId": "%SRCROOT%"}),
        # A name that is not UTF-8 (surrogateescape) keeps its bytes.
        ("bad\udcff.yaml", {"uri": "bad%FF.yaml", "uriBaseId": "%SRCROOT%"}),
    ],
)
def test_artifact_locations(path: str, expected: dict[str, str]) -> None:
    location = artifact_location(path, windows=False)
    assert location == expected
    assert URI_CHARS.match(location["uri"])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("k8s\\win\\app.yaml", {"uri": "k8s/win/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("C:\\k8s\\app.yaml", {"uri": "file:///C:/k8s/app.yaml"}),
    ],
)
def test_artifact_locations_on_windows(path: str, expected: dict[str, str]) -> None:
    assert artifact_location(path, windows=True) == expected


def test_help_uri_points_at_the_readme_anchor() -> None:
    assert help_uri("EKS003") == "https://github.com/ekslint/ekslint#eks003"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_file_gets_the_report_for_every_format(workdir: Path, fmt: str) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    result = run(["--isolated", "--format", fmt, "--output", "report.out", "bad.yaml"])
    assert (result.code, result.out, result.err) == (1, "", "")
    report = (workdir / "report.out").read_text(encoding="utf-8")
    if fmt == "text":
        assert "bad.yaml:6:55: EKS004" in report
        assert report.rstrip().splitlines()[-1].startswith("ekslint: 1 file checked")
    elif fmt == "json":
        assert {f["rule"] for f in json.loads(report)["findings"]} == {"EKS004", "EKS012"}
    elif fmt == "sarif":
        log = json.loads(report)
        assert_valid(log)
        assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"EKS004", "EKS012"}
    else:
        assert report.startswith("::error file=bad.yaml,line=6,col=55,")
        assert report.rstrip().splitlines()[-1].startswith("ekslint: 1 file checked")


def test_output_file_that_cannot_be_written_is_a_usage_error(workdir: Path) -> None:
    (workdir / "good.yaml").write_text(GOOD)
    result = run(
        [
            "--isolated",
            "--format",
            "sarif",
            "--output",
            str(workdir / "no" / "such" / "dir.sarif"),
            "good.yaml",
        ]
    )
    assert result.code == 2
    assert result.out == ""
    assert "cannot write" in result.err
