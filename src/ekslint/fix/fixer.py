"""Applying fixes: text edits on each document chunk, repeated until nothing changes.

Each round lints the chunk, takes every applicable fix whose edits do not touch another
accepted fix's edits, and applies them; the next round sees the new text. A file is written only
when its bytes change, atomically, keeping its mode, through a symlink, and only if nobody
changed it since it was read.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import tempfile

from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import Edit, Finding, InputError
from ekslint.record import Record

MAX_ROUNDS = 12
_BOM = "\ufeff"


class FixOutcome(Record):
    __slots__ = ("diff", "error", "fixed", "text")

    def __init__(
        self,
        text: str | None = None,
        fixed: list[Finding] | None = None,
        diff: str = "",
        error: InputError | None = None,
    ) -> None:
        self.text = text  # the fixed text (for a stream), None when nothing was read
        self.fixed: list[Finding] = [] if fixed is None else fixed
        self.diff = diff
        self.error = error


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def choose_fixes(findings: list[Finding], unsafe: bool) -> list[Finding]:
    """Fixable findings whose edits neither overlap nor touch each other."""
    taken: list[tuple[int, int]] = []
    chosen: list[Finding] = []
    seen_edits: set[tuple[Edit, ...]] = set()
    for finding in sorted(findings, key=lambda f: (f.line, f.column, f.rule)):
        fix = finding.fix
        if fix is None or (fix.applicability == "unsafe" and not unsafe) or not fix.edits:
            continue
        if fix.edits in seen_edits:  # the same fix offered by two findings
            chosen.append(finding)
            continue
        spans = [(e.start, e.end) for e in fix.edits]
        if any(s <= te and ts <= e for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        seen_edits.add(fix.edits)
        chosen.append(finding)
    return chosen


class Fixer:
    def __init__(self, linter: Linter, *, unsafe: bool, write: bool) -> None:
        self.linter = linter
        self.unsafe = unsafe
        self.write = write

    def fix(self, path: str, result: FileResult) -> FixOutcome:
        outcome = FixOutcome()
        if not result.chunks:
            return outcome
        if result.skipped:  # a raw template: passed through untouched
            original = "".join(text for _, text in sorted(result.chunks.values()))
            outcome.text = (_BOM if result.chunks_had_bom else "") + original
            return outcome
        if result.errors:
            # A chunk that could not be decoded or parsed is not in hand: never rebuild the file.
            if any(self._fixable(f) for f in result.findings):
                outcome.error = InputError(result.path, 0, 0, "not fixed: the file has errors")
            return outcome
        original = "".join(text for _, text in sorted(result.chunks.values()))
        by_chunk: dict[int, list[Finding]] = {}
        for finding in result.findings:
            by_chunk.setdefault(finding.chunk, []).append(finding)
        texts = {index: text for index, (_, text) in result.chunks.items()}
        offered = [f for f in result.findings if self._fixable(f)]
        for index, findings in by_chunk.items():
            if index in texts and any(self._fixable(f) for f in findings):
                texts[index] = self._fix_chunk(index, texts[index], findings, result, outcome)
        fixed_text = "".join(texts[i] for i in sorted(texts))
        outcome.text = (_BOM if result.chunks_had_bom else "") + fixed_text
        if fixed_text == original:
            outcome.text = None if path != "-" else outcome.text
            outcome.fixed = []
            return outcome
        self._relint(path, fixed_text, result)
        outcome.fixed = _gone(offered, outcome.fixed, result.findings)
        if path != "-":
            if self.write:
                error = write_atomically(path, outcome.text, result.stat)
                if error is not None:
                    outcome.error = InputError(result.path, 0, 0, error)
                    outcome.fixed.clear()
                    return outcome
            else:
                outcome.diff = unified_diff(result.path, original, fixed_text)
        elif not self.write:
            outcome.diff = unified_diff(result.path, original, fixed_text)
        return outcome

    def _fixable(self, finding: Finding) -> bool:
        fix = finding.fix
        return fix is not None and (fix.applicability == "safe" or self.unsafe)

    def _fix_chunk(
        self,
        index: int,
        text: str,
        findings: list[Finding],
        result: FileResult,
        outcome: FixOutcome,
    ) -> str:
        first_line = result.chunks[index][0]
        for _ in range(MAX_ROUNDS):
            chosen = choose_fixes(findings, self.unsafe)
            if not chosen:
                break
            edits = {e for f in chosen if f.fix for e in f.fix.edits}
            new_text = apply_edits(text, list(edits))
            outcome.fixed.extend(chosen)
            if new_text == text:
                break
            text = new_text
            scratch = FileResult(result.path, suppressions=result.suppressions)
            findings = self.linter.lint_chunk(index, first_line, text, scratch)
            findings = self.linter.keep(findings + self.linter.resolve_for(scratch), scratch)
            if scratch.errors:
                # A fix must never break a file: give up on this chunk, keep the original.
                return result.chunks[index][1]
        return text

    def _relint(self, path: str, text: str, result: FileResult) -> None:
        """Report what remains at the positions of the fixed text."""
        fresh = FileResult(result.path)
        self.linter.lint_stream(io.BytesIO(text.encode("utf-8")), fresh, keep_text=False)
        fresh.findings += self.linter.resolve_for(fresh)
        self.linter.finish(fresh)
        result.findings = fresh.findings


def _gone(
    offered: list[Finding], applied: list[Finding], remaining: list[Finding]
) -> list[Finding]:
    """Findings no longer reported after fixing. One fix can settle several findings (a value
    rewritten for a missing port also gets its separators right); a fix applied in a later
    round, for a finding the first lint did not show, counts once."""

    def key(f: Finding) -> tuple[object, ...]:
        return (f.rule, f.object, f.container, f.chunk)

    left = {key(f) for f in remaining}
    gone = [f for f in offered if key(f) not in left]
    seen = {key(f) for f in offered}
    for finding in applied:
        if key(finding) not in left and key(finding) not in seen:
            seen.add(key(finding))
            gone.append(finding)
    return sorted(gone, key=Finding.sort_key)


def unified_diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=name,
        tofile=name,
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomically(path: str, text: str | None, stat: os.stat_result | None) -> str | None:
    """Replace the file's content; returns an error message or None."""
    assert text is not None
    target = os.path.realpath(path)  # write through a symlink, never replace it
    try:
        current = os.stat(target)
    except OSError as exc:
        return f"not fixed: cannot stat: {exc.strerror}"
    if stat is not None and (current.st_mtime_ns, current.st_size) != (
        stat.st_mtime_ns,
        stat.st_size,
    ):
        return "not fixed: the file changed on disk while ekslint was reading it"
    folder = os.path.dirname(target) or "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=".ekslint-", suffix=".tmp", dir=folder)
    except OSError as exc:
        return f"not fixed: cannot create a temporary file: {exc.strerror}"
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, current.st_mode & 0o7777)
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return f"not fixed: cannot write: {exc.strerror}"
    return None
