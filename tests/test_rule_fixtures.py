"""Every rule: a failing fixture with the exact findings (rule, line, column), a passing one,
and for fixable rules a byte-exact golden of the fixed file. Positions must hold on CRLF files
and inside a Helm-rendered multi-document stream too."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, Result, run

RULE_DIRS = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())


def _args(folder: Path) -> list[str]:
    file = folder / "args"
    return shlex.split(file.read_text()) if file.exists() else []


def _expected(folder: Path) -> list[tuple[str, int, int]]:
    found = []
    for line in (folder / "failure.expected").read_text().splitlines():
        rule, position = line.split()
        row, col = position.split(":")
        found.append((rule, int(row), int(col)))
    return found


def _lint(path: Path, folder: Path, *extra: str) -> Result:
    return run([str(path), "--format", "json", "--isolated", *_args(folder), *extra])


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # fixture args name config files relative to the repo


@pytest.mark.parametrize("folder", RULE_DIRS, ids=lambda p: p.name)
def test_failure_findings(folder: Path) -> None:
    result = _lint(folder / "failure.yaml", folder)
    assert result.code == 1
    assert result.positions() == _expected(folder)
    assert folder.name in {rule for rule, _, _ in result.positions()}


@pytest.mark.parametrize("folder", RULE_DIRS, ids=lambda p: p.name)
def test_success_is_clean(folder: Path) -> None:
    result = _lint(folder / "success.yaml", folder)
    assert result.positions() == []
    assert result.code == 0


@pytest.mark.parametrize("folder", RULE_DIRS, ids=lambda p: p.name)
def test_crlf_keeps_positions(folder: Path, tmp_path: Path) -> None:
    text = (folder / "failure.yaml").read_text(encoding="utf-8")
    crlf = tmp_path / "failure.yaml"
    crlf.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert _lint(crlf, folder).positions() == _expected(folder)


@pytest.mark.parametrize("folder", RULE_DIRS, ids=lambda p: p.name)
def test_helm_stream_positions(folder: Path, tmp_path: Path) -> None:
    """Inside rendered output, lines count from the top of the stream and `source` names the
    template each document came from."""
    preamble = (
        "---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n"
        "metadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n"
    )
    body = (folder / "failure.yaml").read_text(encoding="utf-8")
    documents = body.split("\n---\n")
    rendered = preamble
    for document in documents:
        rendered += (
            f"---\n# Source: shop/templates/{folder.name.lower()}.yaml\n{document.rstrip()}\n"
        )
    stream = tmp_path / "rendered.yaml"
    stream.write_text(rendered, encoding="utf-8")
    result = _lint(stream, folder)
    # Each document moved down by the preamble plus two lines (--- and # Source:) per document
    # before it; the original separators ('---') were one line each.
    offsets = []
    line = preamble.count("\n")
    for index, document in enumerate(documents):
        start = line + 2
        offsets.append((sum(d.count("\n") + 2 for d in documents[:index]) if index else 0, start))
        line = start + document.rstrip().count("\n") + 1
    expected = []
    for rule, row, col in _expected(folder):
        # Which document of the original holds the row?
        first = 1
        for index, document in enumerate(documents):
            last = first + document.count("\n")
            if row <= last:
                new_first = offsets[index][1] + 1
                expected.append((rule, new_first + (row - first), col))
                break
            first = last + 2
    assert result.positions() == expected
    for finding in result.json["findings"]:
        if finding["rule"] != "EKS018":
            assert finding["source"] == f"shop/templates/{folder.name.lower()}.yaml"


FIXABLE = [p for p in RULE_DIRS if (p / "failure.fixed.yaml").exists()]


def _needs_unsafe_fixes(folder: Path) -> bool:
    """A rule whose fix is unsafe is only fixed with --unsafe-fixes."""
    from ekslint.lint.rulepack import load_platform

    rule = load_platform("tencent-eks").rules.get(folder.name)
    return rule is not None and rule.fix_safety == "unsafe"


@pytest.mark.parametrize("folder", FIXABLE, ids=lambda p: p.name)
def test_fix_matches_golden(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "failure.yaml"
    shutil.copy(folder / "failure.yaml", target)
    unsafe = ["--unsafe-fixes"] if _needs_unsafe_fixes(folder) else []
    run([str(target), "--fix", "--isolated", *unsafe, *_args(folder)])
    assert target.read_bytes() == (folder / "failure.fixed.yaml").read_bytes()
    # Converged: nothing fixable is left, and fixing again changes nothing.
    again = run([str(target), "--format", "json", "--isolated", *unsafe, *_args(folder)])
    fixable = [
        f
        for f in again.json["findings"]
        if f["fix"]["available"] and (unsafe or f["fix"]["applicability"] == "safe")
    ]
    assert fixable == []
    before = target.read_bytes()
    run([str(target), "--fix", "--isolated", *unsafe, *_args(folder)])
    assert target.read_bytes() == before


def test_every_rule_has_fixtures() -> None:
    from ekslint.lint.rulepack import load_platform

    rules = load_platform("tencent-eks").rules
    assert {p.name for p in RULE_DIRS} >= set(rules)
    for rule in rules.values():
        if rule.fix_available:
            assert (FIXTURES / "rules" / rule.id / "failure.fixed.yaml").exists(), rule.id
