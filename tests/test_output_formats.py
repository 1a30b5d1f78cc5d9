"""Reports for people and for CI consumers: the full text form (source line, caret, fix), the
concise one-line form, GitLab Code Quality (checked against the fields GitLab documents) and
JUnit XML (parsed as the JUnit consumers read it)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import BAD_POD, FIXTURES, GOOD_POD, ROOT, run
from ekslint.report.text import FIRST_LINE, split_first_line

# GitLab Code Quality: "a JSON array of objects" with these fields
# (docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^(?!/)(?!\\./)"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def write(tmp_path: Path, text: str, name: str = "pod.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_text_shows_the_source_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, BAD_POD)
    out = run(["pod.yaml", "--isolated", "--color", "never"]).out
    lines = out.splitlines()
    head = lines.index(next(line for line in lines if "EKS004" in line))
    assert lines[head].startswith("pod.yaml:6:55: EKS004 [*] [error] ")
    source = (
        '6 |     eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000;10.0.0.2:5000"'
    )
    assert lines[head + 2] == source
    caret = lines[head + 3]
    assert caret.index("^") == source.index('"10.0.0.1')  # under the node
    assert caret.rstrip().endswith("^" * len('"10.0.0.1:5000;10.0.0.2:5000"'))
    assert lines[head + 4] == "  fix: separate with ',' (--fix)"
    assert (
        "the default is the full form"
        and run(["pod.yaml", "--format", "text"]).out
        == run(["pod.yaml", "--output-format", "full"]).out
    )


def test_concise_is_one_line_per_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, BAD_POD.replace('\n    - {name: c, image: "registry.local/c:1"}', ""))
    for flag in ("--output-format", "--format"):
        result = run(["pod.yaml", "--isolated", flag, "concise", "--color", "never"])
        assert result.out.splitlines() == [
            "pod.yaml:6:55: EKS004 [*] [error] eks.tke.cloud.tencent.com/registry-http-endpoint "
            "separates registries with ';'; only ',' separates entries",
            "ekslint: 1 file checked: 1 finding (1 error, 0 warnings); 1 fixable with --fix.",
        ]


def test_every_first_line_is_short() -> None:
    """The fixtures of every rule, in the full form: the message's first line (after the
    position, rule and severity) stays within the limit; the rest follows on its own lines."""
    files = sorted(str(p) for p in (FIXTURES / "rules").glob("*/failure.yaml"))
    out = run([*files, "--isolated", "--color", "never"]).out
    heads = [line for line in out.splitlines() if re.match(r"^\S+:\d+:\d+: EKS\d+ ", line)]
    assert len(heads) > 20
    for line in heads:
        message = re.split(r"\[(?:error|warning)\] ", line, maxsplit=1)[1]
        assert len(message) <= FIRST_LINE, line


def test_split_first_line() -> None:
    short = "image 'x' is fine"
    assert split_first_line(short) == (short, "")
    long = "a" * 80 + " but the pod has no imagePullSecrets and its ServiceAccount has none at all"
    head, rest = split_first_line(long)
    assert head == "a" * 80 and rest.startswith("but the pod")
    head, rest = split_first_line("x" * 300)  # nowhere to break: still bounded
    assert len(head) == FIRST_LINE and head + rest == "x" * 300


def test_split_first_line_breaks_between_clauses() -> None:
    """Never inside parentheses or quotes; the apostrophe of "workload's" opens no quote."""
    bracketed = "image 'x' is on " + "h" * 40 + " (TCR, private by default) and the pod's "
    text = bracketed + "spec has none; " + "y " * 60
    head, rest = split_first_line(text)
    assert head == bracketed.rstrip() + " spec has none;" and rest == "y " * 60
    quoted = "the value '" + "a, " * 30 + "b' is long and " + "z " * 40
    head, rest = split_first_line(quoted)
    assert "'" not in rest.split(" is long")[0] and head.startswith("the value")
    assert head.count("'") % 2 == 0, head
    hard = "p " * 30 + "(" + "q, " * 60 + ")"
    head, rest = split_first_line(hard)  # the only clause marks are inside parentheses
    assert len(head) <= FIRST_LINE and head.rstrip().endswith("p") and rest.startswith("(")


def test_long_source_lines_are_cut_around_the_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    padding = ",".join(f"h{n}.example.com" for n in range(200))
    write(tmp_path, BAD_POD.replace('"10.0.0.1:5000;10.0.0.2:5000"', f'"{padding};10.0.0.1:5000"'))
    out = run(["pod.yaml", "--isolated", "--color", "never"]).out
    assert max(len(line) for line in out.splitlines() if " | " in line) < 140


def test_gitlab_code_quality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    write(tmp_path, BAD_POD, "k8s/pod.yaml")
    write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", "broken.yaml")
    result = run(["k8s", "broken.yaml", "--isolated", "--output-format", "gitlab"])
    assert result.code == 2
    issues = json.loads(result.out)
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(issues)
    assert {i["location"]["path"] for i in issues} == {"k8s/pod.yaml", "broken.yaml"}
    by_rule = {i["check_name"].split()[0]: i for i in issues}
    assert by_rule["EKS004"]["severity"] == "critical"
    assert by_rule["EKS004"]["location"]["lines"]["begin"] == 6
    assert by_rule["EKS012"]["severity"] == "minor"
    assert by_rule["ekslint/input-error"]["severity"] == "blocker"
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # a line added above keeps every fingerprint: GitLab does not see new findings
    write(tmp_path, "# moved\n" + BAD_POD, "k8s/pod.yaml")
    moved = json.loads(run(["k8s", "broken.yaml", "--isolated", "--format", "gitlab"]).out)
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in issues}
    assert (
        json.loads(run([str(write(tmp_path, GOOD_POD, "good.yaml")), "--format", "gitlab"]).out)
        == []
    )


def test_junit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, BAD_POD, "bad.yaml")
    write(tmp_path, GOOD_POD, "good.yaml")
    write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", "broken.yaml")
    result = run(["bad.yaml", "good.yaml", "broken.yaml", "--isolated", "--format", "junit"])
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"bad.yaml", "good.yaml", "broken.yaml"}
    total = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites.values():
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(len(c.findall("failure")) for c in cases),
            "errors": sum(len(c.findall("error")) for c in cases),
        }
        assert {k: int(suite.get(k, "-1")) for k in counts} == counts
        for key, value in counts.items():
            total[key] += value
        for case in cases:  # what junitparser and Jenkins read of a case
            assert case.get("name") and case.get("classname")
            for child in case:
                assert child.tag in ("failure", "error", "skipped", "system-out")
                assert child.get("message") and child.get("type")
    assert {k: int(root.get(k, "-1")) for k in total} == total
    bad = suites["bad.yaml"].findall("testcase")
    assert [c.find("failure").get("type") for c in bad] == [
        "EKS004 error",
        "EKS012 warning",
        "EKS012 warning",
    ] or len(bad) >= 2
    assert suites["good.yaml"].find("testcase").find("failure") is None
    assert suites["broken.yaml"].find("testcase/error") is not None


def test_junit_survives_control_characters(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_POD.replace("name: app", 'name: "a\\x01pp"'), "bad.yaml")
    out = run([str(path), "--isolated", "--format", "junit"]).out
    ET.fromstring(out.split("\n", 1)[1])  # still well-formed XML 1.0


def test_source_lines_follow_the_fixed_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --diff nothing is written, but what remains is reported at its position in the
    fixed text (here a line further down): the source line shown is that text's."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, MOVED, "deploy.yaml")
    result = run(["deploy.yaml", "--isolated", "--diff", "--color", "never"])
    assert result.code == 1
    lines = result.err.splitlines()
    head = next(i for i, line in enumerate(lines) if "EKS012" in line)
    assert lines[head].startswith("deploy.yaml:13:")  # 12 before the fix
    source = next(line for line in lines[head:] if " | " in line)
    assert source == '13 |         - {name: c, image: "registry.local/c:1"}'
    assert (tmp_path / "deploy.yaml").read_text(encoding="utf-8") == MOVED


MOVED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000"
spec:
  template:
    spec:
      containers:
        - {name: a, image: "10.0.0.1:5000/a:1"}
        - {name: c, image: "registry.local/c:1"}
"""


def test_stdin_shows_its_own_source_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream's source lines are the stream's: shown for plain stdin, and never read from a
    file on disk that happens to bear its --stdin-filename name."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "on disk\n" * 20, "pod.yaml")  # the name --stdin-filename gives
    source = (
        '6 |     eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000;10.0.0.2:5000"'
    )
    for named in ([], ["--stdin-filename", "pod.yaml"]):
        result = run(
            ["-", *named, "--isolated", "--color", "never"],
            stdin=BAD_POD.encode(),
            monkeypatch=monkeypatch,
        )
        lines = result.out.splitlines()
        head = lines.index(next(line for line in lines if "EKS004" in line))
        assert lines[head].startswith(f"{'pod.yaml' if named else '<stdin>'}:6:55: EKS004 ")
        assert lines[head + 2] == source
        assert "on disk" not in result.out


def test_concise_leaves_out_snippets_and_hints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EKS012's configuration snippet and a rendered file's lasting-fix hint are for the full
    form: concise has one line per finding, the message's sentences joined."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, MOVED, "deploy.yaml")
    result = run(["deploy.yaml", "--isolated", "--output-format", "concise"])
    lines = result.out.splitlines()
    assert any(" EKS012 " in line for line in lines)
    assert all(re.match(r"^\S+:\d+:\d+: [A-Z]+\d+ ", line) for line in lines[:-1]), lines
    assert lines[-1].startswith("ekslint: ")
    six = next(line for line in lines if " EKS006 " in line)
    assert six.endswith(
        "has no effect: registry annotations belong in the pod template "
        "(spec.template.metadata.annotations)"
    )
    examples = ROOT / "examples"
    rendered = [str(examples / "rendered"), "--config", str(examples / ".ekslint.yaml")]
    assert "lasting fix:" in run(rendered).out
    lines = run([*rendered, "--output-format", "concise"]).out.splitlines()
    assert len(lines) == 2 and " EKS001 " in lines[0], lines
