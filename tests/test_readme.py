"""The README's rule and config reference are generated from the data; stale is a failure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, run


def test_readme_reference_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert "pip install ." in block[0] and "ekslint" in block[0]
    assert "pytest" in block[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert block[1] in ci


def test_readme_output_sample_is_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample under "Output and exit codes" is what the command it names prints: the
    finding shown is one block of that output, and the summary is its last line."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Output and exit codes") :]
    start = section.index("```text\n") + len("```text\n")
    sample = section[start : section.index("\n```", start)]
    finding, summary = sample.rsplit("\n\n", 1)
    monkeypatch.chdir(ROOT)
    out = run(["--config", "examples/.ekslint.yaml", "examples/", "--color", "never"]).out
    assert finding in out.split("\n\n")
    assert out.splitlines()[-1] == summary
