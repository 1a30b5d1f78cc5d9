"""``--format github``: one workflow command per finding (an annotation on the PR diff), escaped
the way the Actions runner unescapes them, then the plain summary line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import BAD_POD, GOOD_POD
from conftest import run as run_cli
from ekslint.report.github import command, escape_data, escape_property, repo_path

BAD = BAD_POD

GOOD = GOOD_POD

_COMMAND = re.compile(r"^::(?P<kind>[a-z]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command back as the Actions runner does (ActionCommand.TryParseV2)."""
    match = _COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    props: dict[str, str] = {}
    for pair in (match["props"] or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            props[key] = _unescape_property(value)
    return match["kind"], props, _unescape_data(match["message"])


def run(
    argv: list[str], stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, list[str], str]:
    result = run_cli(
        ["--isolated", "--format", "github", *argv],
        stdin=None if stdin is None else stdin.encode(),
        monkeypatch=monkeypatch,
    )
    return result.code, result.out.splitlines(), result.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_errors_and_warnings_become_annotations(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    code, lines, err = run(["bad.yaml"])
    assert code == 1
    assert err == ""
    *commands, summary = lines
    assert commands[0] == (
        "::error file=bad.yaml,line=6,col=55,title=EKS004 annotation-bad-separator::"
        "eks.tke.cloud.tencent.com/registry-http-endpoint separates registries with ';'; "
        "only ',' separates entries"
    )
    kind, props, message = parse(commands[1])
    assert kind == "warning"
    assert props == {
        "file": "bad.yaml",
        "line": "11",
        "col": "24",
        "title": "EKS012 undeclared-registry",
    }
    # A multi-line message stays one workflow command; the runner restores the newlines.
    assert '\n  registries:\n    - host: "registry.local"' in message
    assert len(commands) == 2
    assert summary == (
        "ekslint: 1 file checked: 2 findings (1 error, 1 warning); 1 fixable with --fix."
    )


def test_summary_line_is_the_text_reports(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    _, lines, _ = run(["bad.yaml"])
    assert lines[-1] == run_cli(["--isolated", "bad.yaml"]).out.splitlines()[-1]


def test_clean_run_prints_only_the_summary(workdir: Path) -> None:
    (workdir / "good.yaml").write_text(GOOD)
    code, lines, err = run(["good.yaml"])
    assert code == 0
    assert lines == ["ekslint: 1 file checked: no findings."]
    assert err == ""


def test_input_errors_are_error_annotations(workdir: Path) -> None:
    (workdir / "broken.yaml").write_text("kind: Pod\nmetadata: {name: [\n")
    code, lines, err = run(["broken.yaml", "missing.yaml"])
    assert code == 2
    assert err == ""
    broken, missing, summary = lines
    kind, props, message = parse(broken)
    assert kind == "error"
    assert props["file"] == "broken.yaml"
    assert int(props["line"]) >= 2 and int(props["col"]) >= 1
    assert props["title"] == "ekslint: input could not be read"
    assert "YAML" in message
    kind, props, message = parse(missing)
    assert (kind, props) == (
        "error",
        {"file": "missing.yaml", "title": "ekslint: input could not be read"},
    )
    assert "cannot read" in message
    assert summary.endswith("2 inputs could not be read.")


def test_property_values_are_escaped(workdir: Path) -> None:
    name = "odd,name:100%.yaml"
    (workdir / name).write_text(BAD)
    _, lines, _ = run([name])
    assert lines[0].startswith("::error file=odd%2Cname%3A100%25.yaml,line=6,col=55,")
    _, props, _ = parse(lines[0])
    assert props["file"] == name


def test_helm_template_and_lasting_fix_are_in_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered = (
        "---\n# Source: web/templates/deployment.yaml\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: 10.0.0.1:5000/web:1\n"
    )
    code, lines, _ = run(
        ["-", "--stdin-filename", "rendered.yaml", "--http-registry", "10.0.0.1:5000"],
        rendered,
        monkeypatch,
    )
    assert code == 1
    kind, props, message = parse(lines[0])
    assert kind == "error"
    assert props["file"] == "rendered.yaml"
    assert (props["line"], props["title"]) == ("12", "EKS001 missing-http-endpoint")
    _, *rest = message.split("\n")
    assert "(template: web/templates/deployment.yaml)" in rest
    assert any("podAnnotations" in line for line in rest)


def test_fixed_findings_are_notices(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(BAD)
    code, lines, _ = run(["--fix", "bad.yaml"])
    assert code == 1  # EKS012 has no fix
    kind, props, message = parse(lines[0])
    assert kind == "notice"
    assert props == {"file": "bad.yaml", "line": "6", "col": "55", "title": "EKS004 fixed"}
    assert message.startswith("fixed")
    assert parse(lines[1])[0] == "warning"
    assert "10.0.0.1:5000,10.0.0.2:5000" in (workdir / "bad.yaml").read_text()


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("host:5000,other", "host:5000,other", "host%3A5000%2Cother"),
        ("%0A literal", "%250A literal", "%250A literal"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop
    assert _unescape_data(data) == raw
    assert _unescape_property(prop) == raw


def test_legacy_command_syntax_is_broken_everywhere() -> None:
    """The runner acts on "##[command]" anywhere in a line: a manifest value or file name
    carrying it is shown with the bracket escaped, in the message and in properties."""
    line = command("error", "image 'x##[add-mask]y'", file="##[group]a.yaml", title="T")
    assert "##[" not in line
    assert line == "::error file=##\\[group]a.yaml,title=T::image 'x##\\[add-mask]y'"


def test_command_leaves_out_missing_properties() -> None:
    assert command("error", "boom", file="a.yaml", line=None) == "::error file=a.yaml::boom"
    assert command("notice", "hi") == "::notice::hi"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("k8s/app.yaml", "k8s/app.yaml"),
        ("./k8s/app.yaml", "k8s/app.yaml"),
        ("rendered.yaml", "rendered.yaml"),
        # On POSIX a backslash is part of the name: the annotation must not move elsewhere.
        ("k8s\\app.yaml", "k8s\\app.yaml"),
    ],
)
def test_repo_path(path: str, expected: str) -> None:
    assert repo_path(path, windows=False) == expected


def test_repo_path_on_windows() -> None:
    assert repo_path(".\\k8s\\app.yaml", windows=True) == "k8s/app.yaml"
