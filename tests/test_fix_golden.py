"""Fixes, byte for byte: every input under ``fixtures/fix`` has a hand-written golden of what a
careful person would write (``<case>.fixed.yaml``), and fixing must produce exactly it, in place
and as a stream. Then convergence, on those inputs and on every rule's failing fixture: after one
``--fix`` nothing fixable remains and a second ``--fix`` changes nothing."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run

FIX = FIXTURES / "fix"
RULES = FIXTURES / "rules"

LAB = "10.16.100.174:5000"
HTTP = ["--http-registry", LAB, "--http-registry", "10.0.0.7:5000"]
INSECURE = ["--insecure-registry", "harbor.corp.example"]
SECRETS = ["--config", str(FIX / "eks009-pull-secrets.ekslint.yaml")]

# case -> the command line it is fixed with (besides --fix and --isolated)
CASES: dict[str, list[str]] = {
    # EKS001 into an annotations block full of comments (2 spaces, `- name` under the key)
    "eks001-comments": ["--http-registry", LAB],
    # EKS001/EKS002 extend values written plain, 'single' and "double" (tab before a comment)
    "eks001-quoting": [*HTTP, *INSECURE, "--insecure-registry", "harbor2.corp.example"],
    # EKS004: `;`, `，`, `|`, blanks, `、`, a block scalar; 4 spaces, indented sequences
    "eks004-separators": [
        *HTTP,
        "--http-registry",
        "10.0.0.8:5000",
        *INSECURE,
        "--insecure-registry",
        "harbor2.corp.example",
    ],
    # EKS011 quotes numbers, booleans and nulls (`key:`, `~`, `null`) and keeps comments
    "eks011-quote": [],
    # EKS006 from a Deployment's metadata (new annotation / merged into an existing value) and
    # from a CronJob's jobTemplate.metadata
    "eks006-move": [*HTTP, *INSECURE],
    # EKS014 removes an entry, an annotation, an annotations block; in a flow map too
    "eks014-remove": [*HTTP, *INSECURE],
    # EKS009 with pull-secrets from a config file: indented, non-indented, 4-space, flow spec
    "eks009-pull-secrets": SECRETS,
    # flow maps: annotations {a: b}, metadata {labels: ...}, moving out of a flow map
    "flow-maps": HTTP,
    # `annotations:` (null, with a comment), `annotations: {}` (with a comment), `~`
    "empty-annotations": HTTP,
    # a pod template without metadata: inserted before spec at the template's indentation
    "no-template-metadata": [*HTTP, *INSECURE],
    # helm template output: `# Source:` lines, `---` and `...` markers
    "helm-stream": HTTP,
    # CRLF: inserted lines end with CRLF too
    "crlf": [*HTTP, *INSECURE, *SECRETS],
    # no final newline, also when the insertion is at the very end
    "no-final-newline": [*HTTP, *SECRETS],
    # a UTF-8 byte order mark stays
    "bom": HTTP,
    # comments on deleted lines stay; a moved annotation's own comment moves with it
    "comments-deleted": [*HTTP, *INSECURE],
    # EKS005 (scheme, path, empty entries, duplicates, blanks, ALL) and EKS003 (missing port)
    "normalise": HTTP,
    # EKS013, EKS008 and EKS007 with --unsafe-fixes
    "unsafe": [*HTTP, *INSECURE, "--unsafe-fixes"],
    # after a block scalar, `metadata:` null, `imagePullSecrets: []` / null, a `kind: List`
    "edge-shapes": [*HTTP, *SECRETS],
    # lone CR, NEL, LS, PS as line breaks; an empty value filled from a misplaced copy
    "odd-line-breaks": HTTP,
    # JSON with null annotations, metadata, annotation value and imagePullSecrets: still JSON
    "json-nulls": [*HTTP, *SECRETS],
    # CCI001 appends to a list of URLs as written; not past the platform's ten entries
    "cci001-append": [
        "--platform",
        "huawei-cci",
        *(f"--http-registry=10.0.{net}:5000" for net in ("0.1", "0.2", "0.4", "1.1")),
    ],
}


def _input(case: str) -> Path:
    return FIX / f"{case}.yaml"


def _golden(case: str) -> bytes:
    return (FIX / f"{case}.fixed.yaml").read_bytes()


def test_every_fixture_has_a_case() -> None:
    inputs = {
        p.name.removesuffix(".yaml")
        for p in FIX.glob("*.yaml")
        if not p.name.endswith((".fixed.yaml", ".ekslint.yaml"))
    }
    assert inputs == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_in_place_matches_golden(case: str, tmp_path: Path) -> None:
    target = tmp_path / f"{case}.yaml"
    shutil.copy(_input(case), target)
    result = run([str(target), "--fix", "--isolated", *CASES[case]])
    assert result.code in (0, 1), result.err + result.out
    assert target.read_bytes() == _golden(case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_stream_matches_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ekslint --fix -` (a helm post-renderer) writes the same bytes to stdout."""
    result = run(["-", "--fix", "--isolated", *CASES[case]], _input(case).read_bytes(), monkeypatch)
    assert result.code in (0, 1), result.err
    assert result.out.encode("utf-8") == _golden(case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_is_a_fixed_point(case: str, tmp_path: Path) -> None:
    """The golden itself has nothing left to fix: a fix run leaves it alone."""
    target = tmp_path / f"{case}.yaml"
    shutil.copy(FIX / f"{case}.fixed.yaml", target)
    run([str(target), "--fix", "--isolated", *CASES[case]])
    assert target.read_bytes() == _golden(case)


def test_diff_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "m.yaml"
    shutil.copy(_input("crlf"), target)
    result = run([str(target), "--diff", "--isolated", *CASES["crlf"]])
    assert result.code == 1
    assert target.read_bytes() == _input("crlf").read_bytes()
    assert "+        eks.tke.cloud.tencent.com/registry-http-endpoint" in result.out


# -- convergence -----------------------------------------------------------------------------


def _rule_inputs() -> list[tuple[str, Path, list[str]]]:
    if not RULES.is_dir():
        return []
    found = []
    for folder in sorted(p for p in RULES.iterdir() if p.is_dir()):
        failure = folder / "failure.yaml"
        if failure.exists():
            args_file = folder / "args"
            args = shlex.split(args_file.read_text()) if args_file.exists() else []
            found.append((f"rules/{folder.name}", failure, args))
    return found


CONVERGENCE = [
    *(
        (f"fix/{case}", _input(case), [a for a in args if a != "--unsafe-fixes"])
        for case, args in sorted(CASES.items())
    ),
    *_rule_inputs(),
]


def _fixable(findings: list[dict[str, object]], unsafe: bool) -> list[dict[str, object]]:
    left = []
    for finding in findings:
        fix = finding["fix"]
        assert isinstance(fix, dict)
        if fix["available"] and (unsafe or fix["applicability"] == "safe"):
            left.append(finding)
    return left


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize(("name", "source", "args"), CONVERGENCE, ids=[c[0] for c in CONVERGENCE])
def test_fix_converges(
    name: str,
    source: Path,
    args: list[str],
    unsafe: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # rule fixtures name their config files relative to the repo
    mode = ["--unsafe-fixes"] if unsafe else []
    target = tmp_path / source.name
    shutil.copy(source, target)
    first = run([str(target), "--fix", "--isolated", *mode, *args, "--format", "json"])
    assert first.code in (0, 1), first.err + first.out
    report = json.loads(first.out)
    assert report["errors"] == []
    assert _fixable(report["findings"], unsafe) == [], "the fix run reports fixable findings"
    # A fresh lint of the fixed file agrees.
    again = run([str(target), "--isolated", *mode, *args, "--format", "json"])
    assert _fixable(again.json["findings"], unsafe) == []
    fixed = target.read_bytes()
    run([str(target), "--fix", "--isolated", *mode, *args])
    assert target.read_bytes() == fixed, "a second --fix changed the file"


def test_convergence_covers_rule_fixtures() -> None:
    """Skips gracefully while the rule fixtures do not exist, never silently afterwards."""
    if RULES.is_dir():
        assert any(name.startswith("rules/") for name, _, _ in CONVERGENCE)


def test_fixing_the_examples_never_lists_a_registry_in_both_annotations(tmp_path: Path) -> None:
    """A fix that adds a registry to one annotation (EKS001/EKS002, EKS006's move) takes it out
    of the other when the configuration says which one it needs."""
    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy)
    config = str(copy / ".ekslint.yaml")
    run([str(copy), "--fix", "--isolated", "--config", config])
    after = run([str(copy), "--format", "json", "--isolated", "--config", config])
    assert "EKS015" not in {f["rule"] for f in after.json["findings"]}
    assert all(
        not f["fix"]["available"] or f["fix"]["applicability"] == "unsafe"
        for f in after.json["findings"]
    )


def test_a_full_registry_list_gets_no_fix_and_says_why(tmp_path: Path) -> None:
    target = tmp_path / "full.yaml"
    shutil.copy(_input("cci001-append"), target)
    result = run([str(target), "--isolated", *CASES["cci001-append"]])
    assert "already lists 10 addresses, at most 10" in result.out
    assert "fixable with --fix" in result.out and "1 fixable" in result.out
