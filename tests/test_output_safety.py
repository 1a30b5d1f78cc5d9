"""Reports echo file names, comments, annotation values and config keys written by whoever wrote
the input: no such value may start a line a CI runner obeys (``::add-mask::``), carry the
runner's legacy ``##[command]`` syntax, put a control character on the terminal, or crash a
writer with a file name that is not UTF-8."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import BAD_POD, Result, run
from ekslint.report.escape import display, display_lines, json_text

# What a runner or a terminal would act on, in any line of the output.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "x\n::add-mask::secret\r::error::boom ##[set-env name=A]b \x1b[8m \u202e \x85"


def assert_inert(text: str, *, github: bool = False) -> None:
    for line in re.split("\r\n|\r|\n", text):
        if not github:
            assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
        assert not _CONTROLS.search(line), repr(line)


def run_text(args: list[str]) -> Result:
    """The text report in both forms: the full one (source line and caret, the default) must be
    as inert as the concise one, whose lines the assertions below read."""
    full = run(args)
    assert_inert(full.out)
    assert_inert(full.err)
    return run([*args, "--output-format", "concise"])


def test_display_escapes_everything_a_runner_or_terminal_acts_on() -> None:
    shown = display(HOSTILE)
    assert_inert(shown)
    assert shown == (
        "x\\n::add-mask::secret\\r::error::boom ##\\[set-env name=A]b \\e[8m \\u202e \\x85"
    )
    assert display("::error::x") == "\\::error::x"
    assert display("  ::warning::x") == "  \\::warning::x"
    assert display("bad\udcff.yaml") == "bad\\xff.yaml"
    assert display_lines("one\ntwo\r::x") == ["one", "two\\r::x"]


def test_json_text_decodes_to_the_same_data_without_any_runner_syntax() -> None:
    data = {"name": HOSTILE, "path": "bad\udcff.yaml"}
    text = json_text(data)
    assert_inert(text)
    text.encode("utf-8")  # a lone surrogate would raise here
    assert json.loads(text) == data


def test_the_printable_fast_paths_skip_only_text_the_patterns_would_leave_alone() -> None:
    # escape_controls returns printable text as it is, json_text skips ASCII text without DEL:
    # no character either pattern rewrites may be printable, or ASCII other than DEL.
    import re

    from ekslint.report.escape import _JSON_UNSAFE_SET, _UNSAFE_SET, escape_controls

    for character_set in (_UNSAFE_SET, _JSON_UNSAFE_SET):
        pattern = re.compile(character_set)
        matched = [chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c))]
        assert matched and not any(char.isprintable() for char in matched)
    assert [c for c in matched if c.isascii()] == ["\x7f"]  # the JSON set
    for char in "\x1b\u202e\u2028\x85\udcff\x7f":
        assert escape_controls(f"a{char}b") != f"a{char}b"
        assert json.loads(json_text({"k": f"a{char}b"})) == {"k": f"a{char}b"}
    assert json_text("a\x7fb") == '"a\\u007fb"'
    assert escape_controls("plain ascii, ünïcödé, 中文") == "plain ascii, ünïcödé, 中文"


def _pod_file(tmp_path: Path, name: str, text: str = BAD_POD) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_hostile_file_name_in_the_text_report(tmp_path: Path) -> None:
    path = _pod_file(tmp_path, "p\n::add-mask::s \x1b[8m\r::error::x.yaml")
    result = run_text([str(path), "--isolated"])
    assert result.code == 1
    assert_inert(result.out)
    assert_inert(result.err)
    assert "/p\\n::add-mask::s \\e[8m\\r::error::x.yaml:" in result.out


def test_a_hostile_file_name_that_cannot_be_read(tmp_path: Path) -> None:
    path = _pod_file(tmp_path, "e\n::error::x.yaml", "a: [\n")
    for fmt in ("text", "sarif", "json"):
        result = run([str(path), "--isolated", "--format", fmt])
        assert result.code == 2
        assert_inert(result.out)
        assert_inert(result.err)


def test_a_source_comment_with_controls(tmp_path: Path) -> None:
    # YAML refuses C0 and C1 controls even in comments; bidi controls it allows.
    text = "# Source: chart/t.yaml \u2066 \u202e ##[group]x\n" + BAD_POD
    path = _pod_file(tmp_path, "m.yaml", text)
    result = run_text([str(path), "--isolated"])
    assert result.code == 1
    assert_inert(result.out)
    assert "(template: chart/t.yaml" in result.out


def test_suppression_values_and_object_names(tmp_path: Path) -> None:
    text = BAD_POD.replace(
        "  name: app\n",
        '  name: "app##[add-mask]x\\u202e"\n  namespace: "ns\\n::error::y"\n  labels: {}\n',
    ).replace(
        "  annotations:\n",
        '  annotations:\n    ekslint.io/ignore: "EKS999\\n::error::inj\\r::warning::w"\n',
    )
    path = _pod_file(tmp_path, "m.yaml", text)
    for fmt in ("text", "json", "sarif"):
        result = run([str(path), "--isolated", "--format", fmt])
        assert result.code == 1, result.err
        assert_inert(result.out)
        assert_inert(result.err)
    text_report = run_text([str(path), "--isolated"]).out
    # The value stays on its finding's line instead of starting one of its own.
    assert "unknown rule EKS999\\n::error::inj\\r::warning::w" in text_report
    document = run([str(path), "--isolated", "--format", "json"]).json
    names = {f["object"]["name"] for f in document["findings"] if f["object"]}
    assert names == {"app##[add-mask]x\u202e"}  # the data is exact once decoded


def test_a_foreign_object_note(tmp_path: Path) -> None:
    text = (
        "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\n"
        'metadata: {name: "n\\r::add-mask::m\\u202e"}\n'
    )
    path = _pod_file(tmp_path, "m.yaml", text)
    result = run_text([str(path), "--isolated"])
    assert "DeploymentConfig/n\\r::add-mask::m\\u202e" in result.err
    assert_inert(result.out)
    assert_inert(result.err)


def test_a_hostile_config_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / ".ekslint.yaml"
    config.write_text('"bad\\n::add-mask::s\\r::error::e \\e[8m": 1\n', encoding="utf-8")
    manifest = _pod_file(tmp_path, "m.yaml")
    monkeypatch.chdir(tmp_path)
    result = run_text([str(manifest)])
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert_inert(result.err)


def test_show_settings_is_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / ".ekslint.yaml"
    config.write_text('exclude: ["##[add-mask]x\\u202e"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run(["--show-settings"])
    assert result.code == 0, result.err
    assert_inert(result.out)
    assert result.json["settings"]["exclude"] == ["##[add-mask]x\u202e"]


def test_github_format_keeps_its_own_escaping(tmp_path: Path) -> None:
    path = _pod_file(tmp_path, "g\n::add-mask::s\x1b.yaml")
    result = run([str(path), "--isolated", "--format", "github"])
    assert result.code == 1
    assert_inert(result.out, github=True)
    for line in result.out.splitlines()[:-1]:
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
    assert "file=" in result.out and "%0A%3A%3Aadd-mask%3A%3As\\e.yaml" in result.out


NOT_UTF8 = os.fsdecode(b"bad\xff.yaml")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_file_name_that_is_not_utf8(tmp_path: Path, fmt: str) -> None:
    path = _pod_file(tmp_path, NOT_UTF8)
    result = run([str(path), "--isolated", "--format", fmt])
    assert result.code == 1, result.err
    result.out.encode("utf-8")  # what a UTF-8 stdout must be able to write
    if fmt == "json":
        assert {f["path"] for f in result.json["findings"]} == {str(path)}
    if fmt == "sarif":
        location = result.json["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("/bad%FF.yaml")
    if fmt in ("text", "github"):
        assert "bad\\xff.yaml" in result.out
    report = tmp_path / "report.out"
    written = run([str(path), "--isolated", "--format", fmt, "--output", str(report)])
    assert written.code == 1, written.err
    assert report.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diagnose_quotes_a_hostile_log_inertly(fmt: str) -> None:
    import io

    from ekslint import diagnose

    log = (
        'Failed to pull image "10.0.0.1:5000/a##[add-mask]x:1": rpc error: http: server gave '
        "HTTP response to HTTPS client \x1b[8m \u202e\r::error::boom\n::warning::w\n"
    )
    out = io.StringIO()
    code = diagnose.main(["--format", fmt], io.StringIO(log), out, io.StringIO())
    assert code == 0, out.getvalue()
    assert_inert(out.getvalue())
    if fmt == "json":
        assert json.loads(out.getvalue())["diagnoses"][0]["images"] == [
            "10.0.0.1:5000/a##[add-mask]x:1"
        ]


def test_a_usage_error_echoes_the_command_line_escaped() -> None:
    """argparse repeats what it could not parse; a file name taken for an option may carry an
    escape sequence or a workflow command."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ekslint", "--bogus=\x1b[31mred\r::error::x"],
        capture_output=True,
        timeout=60,
    )
    err = done.stderr.decode("utf-8")  # (not text=True, which would turn the CR into LF)
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus=\\e[31mred\\r::error::x" in err
    assert "\x1b" not in err and "\r" not in err
