"""Command-line hygiene: no option abbreviations, suggestions for typos, repeatable flags that
add up, registry flags checked like config entries, --fail-on, --exit-non-zero-on-fix,
--statistics, --quiet, NO_COLOR/FORCE_COLOR, and no ``0:0`` for whole-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BAD_POD, GOOD_POD, run

# EKS004 error and EKS012 warnings (see conftest); only a warning after the fix below.
WARNING_ONLY = BAD_POD.replace('"10.0.0.1:5000;10.0.0.2:5000"', '"10.0.0.1:5000,10.0.0.2:5000"')


def write(tmp_path: Path, text: str, name: str = "pod.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_abbreviations_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BAD_POD)
    with pytest.raises(SystemExit) as exited:
        run(["--fi", path])
    assert exited.value.code == 2
    assert "unrecognized arguments: --fi" in capsys.readouterr().err
    assert Path(path).read_text(encoding="utf-8") == BAD_POD  # --fix did not run


def test_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["--unsafe-fix", write(tmp_path, GOOD_POD)])
    assert "did you mean --unsafe-fixes?" in capsys.readouterr().err


def test_repeated_flags_add_up(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_POD)
    rules = {f["rule"] for f in run([path, "--format", "json"]).json["findings"]}
    assert {"EKS004", "EKS012"} <= rules
    result = run([path, "--format", "json", "--ignore", "EKS004", "--ignore", "EKS012"])
    assert not {"EKS004", "EKS012"} & {f["rule"] for f in result.json["findings"]}
    result = run([path, "--format", "json", "--select", "EKS004", "--select", "EKS012"])
    assert {f["rule"] for f in result.json["findings"]} == {"EKS004", "EKS012"}
    result = run(
        [
            path,
            "--format",
            "json",
            "--http-registry",
            "10.0.0.1:5000",
            "--http-registry",
            "10.0.0.2:5000",
            "--trusted-registry",
            "registry.local",
        ]
    )
    assert "EKS012" not in {f["rule"] for f in result.json["findings"]}


@pytest.mark.parametrize(
    ("flag", "host"),
    [
        ("--http-registry", "http://10.0.0.1:5000"),
        ("--insecure-registry", "harbor.local/library"),
        ("--trusted-registry", "my registry"),
        ("--trusted-registry", ""),
    ],
)
def test_registry_flags_are_checked_like_config(tmp_path: Path, flag: str, host: str) -> None:
    result = run([write(tmp_path, GOOD_POD), flag, host])
    assert result.code == 2
    assert f"ekslint: {flag} {host!r} is not a plain host[:port]" in result.err


def test_a_registry_declared_twice_by_flags(tmp_path: Path) -> None:
    result = run(
        [write(tmp_path, GOOD_POD), "--http-registry", "h:5000", "--trusted-registry", "H:5000"]
    )
    assert result.code == 2
    assert "already declared by --http-registry h:5000" in result.err


def test_fail_on(tmp_path: Path) -> None:
    both, warning = write(tmp_path, BAD_POD), write(tmp_path, WARNING_ONLY, "warn.yaml")
    assert run([warning]).code == 1  # default: warnings fail too
    assert run([warning, "--fail-on", "warning"]).code == 1
    assert run([warning, "--fail-on", "error"]).code == 0
    assert run([both, "--fail-on", "error"]).code == 1
    assert run([both, "--fail-on", "error", "--exit-zero"]).code == 0


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    fixable = BAD_POD.replace('\n    - {name: c, image: "registry.local/c:1"}', "")
    fixable = fixable.replace("10.0.0.1:5000;10.0.0.2:5000", "10.0.0.1:5000;10.0.0.2:5000")
    path = write(tmp_path, fixable)
    args = ["--http-registry", "10.0.0.1:5000", "--http-registry", "10.0.0.2:5000"]
    assert run([path, "--fix", *args]).code == 0  # everything fixed
    write(tmp_path, fixable)
    assert run([path, "--fix", "--exit-non-zero-on-fix", *args]).code == 1
    assert run([path, "--fix", "--exit-non-zero-on-fix", *args]).code == 0  # nothing to fix


def test_statistics(tmp_path: Path) -> None:
    result = run([write(tmp_path, BAD_POD), "--statistics", "--color", "never"])
    lines = result.out.splitlines()
    assert lines[:2] == [
        "1\tEKS004\t[*] annotation-bad-separator",
        "1\tEKS012\t    undeclared-registry",
    ]
    assert lines[2].startswith("ekslint: 1 file checked: 2 findings")
    assert len(lines) == 3  # no finding lines


def test_quiet(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    result = run([write(tmp_path, BAD_POD), str(folder), "-q", "--color", "never"])
    assert result.code == 1
    assert "EKS004" in result.out and "EKS012" in result.out
    assert "ekslint:" not in result.out  # no summary
    assert result.err == ""  # no warning about the empty folder
    assert run([write(tmp_path, GOOD_POD, "good.yaml"), "--quiet"]).out == ""


def test_no_color_and_force_color(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, BAD_POD)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[" in run([path]).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in run([path]).out
    assert "\033[" in run([path, "--color", "always"]).out  # the flag wins


def test_whole_file_errors_have_no_position(tmp_path: Path) -> None:
    result = run([str(tmp_path / "missing.yaml")])
    assert result.code == 2
    assert f"{tmp_path / 'missing.yaml'}: cannot read" in result.err
    assert ":0:0" not in result.err
