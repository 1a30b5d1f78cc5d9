"""Does ``ekslint --fix`` change only what it must? Run it over the benchmark corpus and check.

Builds the ``dir`` corpus (findings injected into 10 % of 1,000 files; see corpora.py), copies it,
runs ``ekslint --fix`` inside the copy, and compares every file with its original:

- a file ekslint had nothing to fix in must be byte-identical (and keep its mtime);
- in a fixed file, every removed or added line must be one a fix is allowed to touch (a
  registry annotation, the ``metadata:``/``annotations:`` lines that hold it, an
  ``imagePullSecrets`` entry); every other line must survive unchanged, in order;
- the fixed file must parse, and its documents must equal the original's once the pod
  templates' registry annotations and pull secrets are set aside.

Prints the counts; exits 1 if any line outside the edits changed.
Run: ``python bench/fix_fidelity.py [--ekslint CMD]``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import build_corpora

REGISTRY_KEYS = ("registry-http-endpoint", "registry-insecure-skip-verify")
# Lines a fix may add or remove: registry annotations, their holders, pull secrets.
ALLOWED = re.compile(
    r"^\s*(?:"
    r".*eks\.tke\.cloud\.tencent\.com/registry-(?:http-endpoint|insecure-skip-verify):.*"
    r"|(?:metadata|annotations):\s*(?:\{\})?\s*|imagePullSecrets:\s*|-\s+name:\s*\S+\s*"
    r")$"
)


def strip_fixable(node: object) -> object:
    """A document with the parts fixes may change removed, for comparison."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "imagePullSecrets":
                continue
            if isinstance(key, str) and key.endswith(REGISTRY_KEYS):
                continue
            value = strip_fixable(value)
            if key in ("annotations", "metadata") and value in ({}, None):
                continue
            out[key] = value
        return out
    if isinstance(node, list):
        return [strip_fixable(item) for item in node]
    return node


def compare(before: str, after: str) -> tuple[int, int, list[str]]:
    """(lines removed, lines added, offending diff lines)."""
    removed = added = 0
    bad: list[str] = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            removed += 1
        elif line.startswith("+"):
            added += 1
        if not ALLOWED.match(line[1:]):
            bad.append(line)
    return removed, added, bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ekslint", default=str(Path(sys.executable).with_name("ekslint")))
    parser.add_argument("--work", default=str(Path(__file__).parent / ".work"))
    args = parser.parse_args()
    import yaml

    build_corpora(args.work)
    source = Path(args.work) / "dir"
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "dir"
        shutil.copytree(source, copy)
        for path in copy.rglob("*"):
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        done = subprocess.run(
            [*shlex.split(args.ekslint), "--fix", "."], cwd=copy, capture_output=True, text=True
        )
        files = changed = untouched_bad = 0
        removed = added = 0
        offending: list[tuple[str, str]] = []
        semantic: list[str] = []
        for original in sorted(source.rglob("*.yaml")):
            if original.name == ".ekslint.yaml":
                continue
            rel = original.relative_to(source)
            fixed = copy / rel
            files += 1
            before = original.read_text(encoding="utf-8")
            after = fixed.read_text(encoding="utf-8")
            if before == after:
                if fixed.stat().st_mtime_ns != 1_000_000_000:
                    untouched_bad += 1
                continue
            changed += 1
            r, a, bad = compare(before, after)
            removed, added = removed + r, added + a
            offending.extend((str(rel), line) for line in bad)
            old = [strip_fixable(d) for d in yaml.safe_load_all(before)]
            new = [strip_fixable(d) for d in yaml.safe_load_all(after)]
            if old != new:
                semantic.append(str(rel))
    print(f"ekslint --fix exit code: {done.returncode}")
    print(f"files: {files}; changed by --fix: {changed}; lines removed: {removed}, added: {added}")
    print(f"unchanged files rewritten (mtime changed): {untouched_bad}")
    print(f"changed lines outside the allowed edits: {len(offending)}")
    for rel, line in offending[:20]:
        print(f"  {rel}: {line}")
    print(f"files whose documents changed beyond annotations/pull secrets: {len(semantic)}")
    for rel in semantic[:20]:
        print(f"  {rel}")
    return 1 if offending or semantic or untouched_bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
