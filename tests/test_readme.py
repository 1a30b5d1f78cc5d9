"""The README's rule and config reference are generated from the data; stale is a failure."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


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
