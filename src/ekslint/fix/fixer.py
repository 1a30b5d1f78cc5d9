"""Applying fixes: text edits on each document chunk, repeated until nothing changes.

Each round lints the chunk, takes every applicable fix whose edits do not touch another
accepted fix's edits, and applies them; the next round sees the new text. Before a round's text
is kept, the guard (guard.py) re-reads it and compares its data with the text before: a fix that
changes more than it is for, or edits a node an alias repeats elsewhere, is dropped with a note.
A file is written only when its bytes change, atomically, keeping its owner and mode, through a
symlink that stays inside the paths given, not over a read-only file (unless asked), and only if
it is still byte for byte what was read, checked again right before the rename.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import io
import os
import stat as pystat
from collections.abc import Callable

from ekslint.fix.guard import Guard
from ekslint.input.read import Chunk, iter_chunks
from ekslint.kube.carriers import pod_metadata_paths
from ekslint.kube.chartvalues import POD_ANNOTATIONS
from ekslint.kube.objects import ORIGIN_ANNOTATION
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import Edit, Finding, InputError, Note
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from concurrent.futures import Executor, Future

MAX_ROUNDS = 12
_BOM = "\ufeff"


@record
class FixOutcome:
    text: str | None = None  # the fixed text (for a stream), None when nothing was read
    fixed: list[Finding] = field(default_factory=list)
    diff: str = ""
    error: InputError | None = None
    # A write handed to Fixer.writes: settled by Fixer.settle once it is done.
    pending: tuple[Future[str | None], FileResult, list[Finding]] | None = None


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
    # Report a fixed file's findings from the rounds' lints of its fixed chunks and the first
    # lint of the others, where that is what re-linting the whole file gives (see
    # _rounds_suffice); False re-lints every fixed file (the tests compare the two).
    reuse_rounds = True

    def __init__(
        self,
        linter: Linter,
        *,
        unsafe: bool,
        write: bool,
        options: WriteOptions | None = None,
        only: Callable[[Finding], bool] | None = None,
    ) -> None:
        self.linter = linter
        self.unsafe = unsafe
        self.write = write
        self.options = options
        # Writes may run in threads: each waits on its fsync, so overlapping them with the
        # fixing of the next files costs a --fix run over a folder a third less.
        self.writes: Executor | None = None
        platform = linter.platform
        keys = frozenset(platform.annotations.values())
        self.guard = Guard(platform.prefix, keys, pod_metadata=pod_metadata_paths)
        # A chart's values file: its podAnnotations are the pods' annotations.
        self.values_guard = Guard(platform.prefix, keys, frozenset({POD_ANNOTATIONS}))
        self.only = only  # fix only the findings it accepts (all when None)

    def _pass_through(self, result: FileResult, outcome: FixOutcome) -> FixOutcome:
        """A stream with errors is printed as it came: a post-renderer (Helm) applies what is
        on stdout, and an empty stdout would empty the release. Its errors are reported (exit
        2) already; what could not be decoded cannot be echoed, so then stdout stays empty."""
        if result.text_lost:
            if any(self._fixable(f) for f in result.findings):
                outcome.error = InputError(result.path, 0, 0, "not fixed: the stream has errors")
            return outcome
        original = "".join(text for _, text in sorted(result.chunks.values()))
        outcome.text = (_BOM if result.chunks_had_bom else "") + original
        if any(self._fixable(f) for f in result.findings):
            result.notes.append(
                Note(result.path, "not fixed: the stream has errors; passed through unchanged")
            )
        return outcome

    def fix(self, path: str, result: FileResult) -> FixOutcome:
        with self.linter.reading_again():
            return self._fix(path, result)

    def _fix(self, path: str, result: FileResult) -> FixOutcome:
        outcome = FixOutcome()
        if not result.chunks:
            return outcome
        if result.skipped:  # a raw template: passed through untouched
            original = "".join(text for _, text in sorted(result.chunks.values()))
            outcome.text = (_BOM if result.chunks_had_bom else "") + original
            return outcome
        if result.errors:
            # A chunk that could not be decoded or parsed is not in hand: never rebuild the file.
            if path == "-":
                return self._pass_through(result, outcome)
            if any(self._fixable(f) for f in result.findings):
                outcome.error = InputError(result.path, 0, 0, "not fixed: the file has errors")
            return outcome
        original = "".join(text for _, text in sorted(result.chunks.values()))
        by_chunk: dict[int, list[Finding]] = {}
        for finding in result.findings:
            by_chunk.setdefault(finding.chunk, []).append(finding)
        texts = {index: text for index, (_, text) in result.chunks.items()}
        offered = [f for f in result.findings if self._fixable(f)]
        linted: dict[int, list[Finding]] = {}  # each fixed chunk's findings, from its last round
        for index, findings in by_chunk.items():
            if index in texts and any(self._fixable(f) for f in findings):
                texts[index], found = self._fix_chunk(
                    index, texts[index], findings, result, outcome
                )
                if found is not None:
                    linted[index] = found
        fixed_text = "".join(texts[i] for i in sorted(texts))
        outcome.text = (_BOM if result.chunks_had_bom else "") + fixed_text
        if fixed_text == original:
            outcome.text = None if path != "-" else outcome.text
            outcome.fixed = []
            return outcome
        original_findings = result.findings
        if self.reuse_rounds and self._rounds_suffice(original, fixed_text, texts, result):
            result.findings = self._reported(result, texts, linted)
        else:
            self._relint(path, fixed_text, result)
        outcome.fixed = _gone(offered, outcome.fixed, result.findings)
        if path != "-":
            if self.write:
                read = ((_BOM if result.chunks_had_bom else "") + original).encode("utf-8")
                arguments = (path, outcome.text, result.stat, self.options, read)
                if self.writes is not None:
                    future = self.writes.submit(write_atomically, *arguments)
                    outcome.pending = (future, result, original_findings)
                    return outcome
                self._written(outcome, result, original_findings, write_atomically(*arguments))
                return outcome
            else:
                outcome.diff = unified_diff(result.path, original, fixed_text)
        elif not self.write:
            outcome.diff = unified_diff(result.path, original, fixed_text)
        return outcome

    def settle(self, outcome: FixOutcome) -> None:
        """Wait for the outcome's write, if it is pending, and take its result in."""
        if outcome.pending is not None:
            future, result, original_findings = outcome.pending
            outcome.pending = None
            self._written(outcome, result, original_findings, future.result())

    @staticmethod
    def _written(
        outcome: FixOutcome, result: FileResult, original_findings: list[Finding], error: str | None
    ) -> None:
        if error is not None:
            # Nothing was written: what the file still says is what the report says.
            result.findings = original_findings
            outcome.error = InputError(result.path, 0, 0, error)
            outcome.fixed.clear()

    def _fixable(self, finding: Finding) -> bool:
        fix = finding.fix
        return (
            fix is not None
            and (fix.applicability == "safe" or self.unsafe)
            and (self.only is None or self.only(finding))
        )

    def fix_chunk(self, index: int, result: FileResult) -> tuple[str, list[Finding]]:
        """One chunk of a result read with its text, fixed in memory: (text, findings fixed)."""
        outcome = FixOutcome()
        findings = [f for f in result.findings if f.chunk == index]
        with self.linter.reading_again():
            text, _ = self._fix_chunk(index, result.chunks[index][1], findings, result, outcome)
        return text, outcome.fixed

    def _fix_chunk(
        self,
        index: int,
        text: str,
        findings: list[Finding],
        result: FileResult,
        outcome: FixOutcome,
    ) -> tuple[str, list[Finding] | None]:
        """The chunk's fixed text and, when it changed, the findings of its last round's lint
        (of that text, unfiltered by ``only``); None with the original text."""
        first_line, original = result.chunks[index]
        refused: set[tuple[object, ...]] = set()
        linted: list[Finding] | None = None
        for _ in range(MAX_ROUNDS):
            if self.only is not None:
                findings = [f for f in findings if self.only(f)]
            candidates = [f for f in findings if _identity(f) not in refused]
            chosen = choose_fixes(candidates, self.unsafe)
            if not chosen:
                break
            refused_before = len(refused)
            chosen, new_text = self._vet(text, chosen, result, refused)
            outcome.fixed.extend(chosen)
            if new_text == text:
                if len(refused) > refused_before:
                    continue  # a fix the refused one overlapped may be sound
                break
            text = new_text
            scratch = FileResult(result.path, suppressions=result.suppressions)
            findings = self.linter.lint_chunk(Chunk(index, first_line, text), scratch)
            findings = self.linter.keep(findings + self.linter.resolve_for(scratch), scratch)
            linted = findings
            if scratch.errors:
                # A fix must never break a file: give up on this chunk, keep the original.
                return original, None
        if text != original:
            problem = self._guard(result).unintended_change(original, text)
            if problem is not None:  # each round was sound, their sum is not: keep the original
                result.notes.append(
                    Note(
                        result.path,
                        f"not fixed: document at line {first_line + 1}: {problem}",
                        first_line + 1,
                    )
                )
                outcome.fixed = [f for f in outcome.fixed if f.chunk != index]
                return original, None
            return text, linted
        return text, None

    def _vet(
        self,
        text: str,
        chosen: list[Finding],
        result: FileResult,
        refused: set[tuple[object, ...]],
    ) -> tuple[list[Finding], str]:
        """The fixes of ``chosen`` that change only what they are meant to, and the text with
        them applied. Every other one is refused, with a note naming it and why."""

        def refuse(finding: Finding, why: str) -> None:
            refused.add(_identity(finding))
            assert finding.fix is not None
            result.notes.append(
                Note(
                    result.path,
                    f"not fixed: {finding.rule} at {finding.line}:{finding.column} "
                    f"({finding.fix.description}): {why}",
                    finding.line,
                )
            )

        guard = self._guard(result)
        shared = _shared_spans(text, guard)
        kept: list[Finding] = []
        for finding in chosen:
            assert finding.fix is not None
            if shared and any(_touches(edit, shared) for edit in finding.fix.edits):
                refuse(finding, "it would edit an anchored node that an alias repeats elsewhere")
            else:
                kept.append(finding)
        sound = self._sound(text, kept, refuse, guard)
        return sound, apply_edits(text, _edits_of(sound))

    def _guard(self, result: FileResult) -> Guard:
        return self.values_guard if result.chart is not None else self.guard

    def _sound(
        self,
        text: str,
        fixes: list[Finding],
        refuse: Callable[[Finding, str], None],
        guard: Guard,
    ) -> list[Finding]:
        """The fixes that, applied together to ``text``, pass the guard. A failing set is
        halved until each culprit stands alone (a few culprits among n fixes cost O(log n)
        comparisons each, not n); two sound halves that fail together yield the first half
        now, the rest in a later round."""
        if not fixes:
            return []
        problem = guard.unintended_change(text, apply_edits(text, _edits_of(fixes)))
        if problem is None:
            return fixes
        if len(fixes) == 1:
            refuse(fixes[0], f"the fixed document would not mean the same: {problem}")
            return []
        middle = len(fixes) // 2
        first = self._sound(text, fixes[:middle], refuse, guard)
        second = self._sound(text, fixes[middle:], refuse, guard)
        both = first + second
        together = apply_edits(text, _edits_of(both))
        if first and second and guard.unintended_change(text, together) is not None:
            return first
        return both

    def _rounds_suffice(
        self, original: str, fixed: str, texts: dict[int, str], result: FileResult
    ) -> bool:
        """Would re-linting the fixed file report what the rounds and the first lint did?

        A fixed chunk's last round linted its final text; the other chunks are as first
        linted. What re-linting could still change: suppressions (their unused-suppression
        findings are worked out over the whole file; an annotation's key may be escaped, so
        what was read counts, not only the text), findings settled against what fixes in
        other documents change (eks-config's cluster-wide annotations, and a SidecarSet's
        matched pods, whose annotations the fixes edit; ServiceAccounts and Secrets, which no
        fix edits, are not taken again: ``Linter.rereading``), a rendered object's source read
        again from a file the run may have fixed meanwhile (Kustomize's origin annotation), a
        chart's values file (read as a whole), and a fix whose text would be cut into chunks
        differently."""
        if result.chart is not None:
            return False
        if result.suppressions is not None and result.suppressions.items:
            return False
        if any(finding.chunk < 0 for finding in result.findings):
            return False  # (suppression problems: not within a chunk's text)
        inventory = self.linter.inventory
        if inventory.global_sites or inventory.sidecars:
            return False
        words = ["ekslint", "SidecarSet", ORIGIN_ANNOTATION]
        defaults = self.linter.platform.global_defaults
        if defaults:
            words.append(defaults["name"])
        if any(word in original or word in fixed for word in words):
            return False
        last = max(texts)
        for index, text in texts.items():
            if text is result.chunks[index][1]:
                continue  # not fixed
            if index != last and not text.endswith("\n"):
                return False
            cut = list(iter_chunks(io.BytesIO(text.encode("utf-8")), result.path))
            if len(cut) != 1 or not isinstance(cut[0], Chunk) or cut[0].text != text:
                return False
        return True

    def _reported(
        self, result: FileResult, texts: dict[int, str], linted: dict[int, list[Finding]]
    ) -> list[Finding]:
        """What re-linting the fixed file reports (when ``_rounds_suffice``): each fixed
        chunk's last round, the first lint of the others, moved by the lines the fixes added
        or removed before them (a finding's chunk, and its edits, are the chunk's own)."""
        by_chunk: dict[int, list[Finding]] = {}
        for finding in result.findings:
            by_chunk.setdefault(finding.chunk, []).append(finding)
        found: list[Finding] = []
        shift = 0
        for index in sorted(texts):
            chunk_findings = linted.get(index, by_chunk.get(index, []))
            if shift:
                chunk_findings = [_moved(f, shift) for f in chunk_findings]
            found.extend(chunk_findings)
            original = result.chunks[index][1]
            if texts[index] is not original:
                shift += texts[index].count("\n") - original.count("\n")
        return self.linter.keep(found, result)

    def _relint(self, path: str, text: str, result: FileResult) -> None:
        """Report what remains at the positions of the fixed text."""
        fresh = FileResult(result.path)
        self.linter.lint_stream(io.BytesIO(text.encode("utf-8")), fresh, keep_text=False)
        fresh.findings += self.linter.resolve_for(fresh)
        self.linter.finish(fresh)
        result.findings = fresh.findings


def _moved(finding: Finding, lines: int) -> Finding:
    """A copy of ``finding`` ``lines`` lines further down (the original stays as the first
    lint reported it: a failed write reports that again)."""
    moved = copy.copy(finding)
    moved.line += lines
    if moved.end is not None:
        moved.end = (moved.end[0] + lines, moved.end[1])
    return moved


def _identity(finding: Finding) -> tuple[object, ...]:
    """What names a finding across rounds, whose edits move its position."""
    return (finding.rule, finding.object, finding.container, finding.message)


def _edits_of(findings: list[Finding]) -> list[Edit]:
    return list({e for f in findings if f.fix for e in f.fix.edits})


def _shared_spans(text: str, guard: Guard) -> list[tuple[int, int]]:
    """Character spans of the nodes an alias repeats (an anchored node and what it holds): an
    edit there changes every place the alias stands for, not only the finding's."""
    from ekslint.input.yamlnodes import MappingNode, SequenceNode

    if "&" not in text:
        return []  # no anchor, so no alias: every node stands in one place
    visits: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    roots = guard.documents(text)  # read once for this and for the guard's comparison
    if roots is None:  # the linter read it; a second reading would not fail
        return []
    stack = [root for root in roots if root is not None]
    while stack:
        node = stack.pop()
        visits[id(node)] = visits.get(id(node), 0) + 1
        if visits[id(node)] > 1:
            if visits[id(node)] == 2:
                spans.append((node.start_mark.index, node.end_mark.index))
            continue
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return spans


def _touches(edit: Edit, spans: list[tuple[int, int]]) -> bool:
    """Does ``edit`` change characters of a span, or insert inside or at the end of one?"""
    return any(
        (edit.start < end and start < edit.end)
        or (edit.start == edit.end and start <= edit.start <= end)
        for start, end in spans
    )


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
    import difflib  # (--diff only)

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


@record(frozen=True)
class WriteOptions:
    """Where fixes may be written: ``roots`` are the real folders of the paths given (a named
    file's folder); a symlink leading outside them is followed only with ``outside_links``, a
    file its owner may not write is replaced only with ``read_only``."""

    roots: list[str]
    outside_links: bool = False
    read_only: bool = False

    @classmethod
    def for_paths(cls, paths: list[str], *, outside_links: bool, read_only: bool) -> WriteOptions:
        roots = []
        for path in paths:
            if path == "-":
                continue
            folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
            roots.append(os.path.realpath(folder))
        return cls(roots, outside_links=outside_links, read_only=read_only)

    def inside(self, target: str) -> bool:
        return any(_within(target, root) for root in self.roots)


def _within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def write_atomically(
    path: str,
    text: str | None,
    stat: os.stat_result | None,
    options: WriteOptions | None = None,
    original: bytes | None = None,
) -> str | None:
    """Replace the file's content, keeping its owner and mode; returns an error message or
    None. ``stat`` and ``original`` are what was read: the file must still be exactly that."""
    assert text is not None
    target = os.path.realpath(path)  # write through a symlink, never replace it
    if options is not None and not options.outside_links and not options.inside(target):
        return (
            "not fixed: it is a symlink to a file outside the paths given "
            "(--fix-outside-links writes there)"
        )
    try:
        current = os.stat(target)
    except OSError as exc:
        return f"not fixed: cannot stat: {exc.strerror}"
    if _changed(target, current, stat, original):
        return "not fixed: the file changed on disk while ekslint was reading it"
    if not current.st_mode & pystat.S_IWUSR and not (options is not None and options.read_only):
        return "not fixed: the file is read-only (--fix-read-only replaces it)"
    folder = os.path.dirname(target) or "."
    try:
        handle, temporary = _create_temporary(folder)
    except OSError as exc:
        return f"not fixed: cannot create a temporary file: {exc.strerror}"
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())  # a full disk shows here, not after the rename
            created = os.fstat(out.fileno())
            if (created.st_uid, created.st_gid) != (current.st_uid, current.st_gid):
                try:
                    os.fchown(out.fileno(), current.st_uid, current.st_gid)
                except OSError:
                    raise _Refused("not fixed: cannot keep the file's owner and group") from None
            os.fchmod(out.fileno(), current.st_mode & 0o7777)  # after chown, which drops setuid
        # The last look before the rename: an editor or another ekslint that saved while this
        # one was fixing is not overwritten. What a stat-and-compare cannot close: a write that
        # lands between this look and the rename, and one through a file descriptor opened
        # earlier, go to the old file (an atomic check-and-rename needs locks editors ignore).
        if _changed(target, os.stat(target), stat, original):
            raise _Refused("not fixed: the file changed on disk while ekslint was fixing it")
        os.replace(temporary, target)
    except (OSError, _Refused) as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, _Refused):
            return str(exc)
        return f"not fixed: cannot write: {exc.strerror}"
    except BaseException:
        # Interrupted (Ctrl-C, or a worker terminated by its parent): no temporary file is
        # left in the user's folder; the file itself is the old one or, renamed, the new one.
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return None


def _create_temporary(folder: str) -> tuple[int, str]:
    """A new file ``.ekslint-<random>.tmp`` in ``folder``, open for writing, only its owner
    may read it: what ``tempfile.mkstemp`` makes (importing tempfile would cost every fix
    worker more than its writes: it brings shutil, bz2, lzma and random)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = os.path.join(folder, f".ekslint-{os.urandom(6).hex()}.tmp")
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    # With its errno and text, so that the caller's report ("cannot create a temporary
    # file: ...") says why, as mkstemp's own error would.
    raise FileExistsError(errno.EEXIST, f"no free temporary name in {folder}")


class _Refused(Exception):
    """A write given up on purpose; its message is the error to report."""


def _changed(
    target: str, current: os.stat_result, stat: os.stat_result | None, original: bytes | None
) -> bool:
    """Is the file no longer what was read (its identity, size, mtime, then its bytes)?"""
    if stat is not None and (
        current.st_mtime_ns,
        current.st_size,
        current.st_ino,
        current.st_dev,
    ) != (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_dev):
        return True
    if original is None:
        return False
    if current.st_size != len(original):
        return True
    try:
        with open(target, "rb") as handle:
            return handle.read(len(original) + 1) != original
    except OSError:
        return True
