"""The text report, for people: each finding with its source line, a caret under the node and
the fix (the concise form: one line each), errors and notes on stderr, a summary."""

from __future__ import annotations

import functools
import os
from collections import Counter

from ekslint.report.escape import (
    LEGACY_COMMAND,
    display,
    display_block,
    display_lines,
    escape_controls,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from typing import TextIO

    from ekslint.lint.findings import Finding, InputError
    from ekslint.report import RunReport


_COLOURS = {
    "error": "\033[31m",
    "warning": "\033[33m",
    "path": "\033[1m",
    "rule": "\033[36m",
    "dim": "\033[2m",
    "reset": "\033[0m",
    "green": "\033[32m",
}


def use_colour(out: TextIO, choice: str = "auto") -> bool:
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(out, "isatty") and out.isatty()


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    """The full form: each finding with its source line, a caret and its fix."""
    write_text(report, out, err, colour, quiet=report.quiet, statistics=report.statistics)


def write_text(
    report: RunReport,
    out: TextIO,
    err: TextIO,
    colour: str = "auto",
    quiet: bool = False,
    statistics: bool = False,
    full: bool = True,
) -> None:
    """Findings, errors, notes and a summary line; ``quiet``: findings and errors only;
    ``statistics``: a count per rule in place of the findings. ``full``: each finding with its
    source line, a caret under the node and the fix on a line of its own (else one line)."""
    on = use_colour(out, colour)

    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}{_COLOURS['reset']}" if on else text

    done = "fixed" if report.fix_mode else "would fix"
    for finding in report.fixed:
        where = display(f"{finding.path}:{finding.line}:{finding.column}")
        description = display(finding.fix.description) if finding.fix else ""
        out.write(f"{paint('path', where)}: {paint('green', done)} {finding.rule} {description}\n")
    if statistics:
        _write_statistics(report, out, paint)
    sources = _Sources(report.texts)
    for finding in [] if statistics else report.findings:
        if full:
            _write_full(report, finding, out, paint, sources)
            continue
        severity = report.severity(finding)
        where = display(f"{finding.path}:{finding.line}:{finding.column}")
        marker = " [*]" if report.fixable(finding) else ""
        head = (
            f"{paint('path', where)}: {paint('rule', finding.rule)}{marker} "
            f"[{paint(severity, severity)}] {one_line(finding.message)}"
        )
        if finding.source:
            head += paint("dim", f" (template: {display(finding.source)})")
        origin = finding.origin
        if origin and (origin.path, origin.line, origin.column) != (
            finding.path,
            finding.line,
            finding.column,
        ):  # not already reported there (--kustomize)
            head += paint("dim", f" (origin: {display(origin.describe())})")
        out.write(head + "\n")
    for error in report.errors:
        err.write(error_text(error) + "\n")
    if quiet:
        return
    for note in report.notes:
        err.write(f"{display(note.path)}: note: {display_block(note.message)}\n")
    out.write(summary_line(report) + "\n")


def one_line(message: str) -> str:
    """A message on one line, for the concise form: its sentences joined, an indented block
    (a configuration snippet to copy) left out."""
    prose = [line for line in message.split("\n") if line and not line[0].isspace()]
    return display(" ".join(prose))


def error_text(error: InputError) -> str:
    """An unreadable input for people (the text report, and beside SARIF), safely shown; an
    error about the file as a whole has no position to give."""
    if error.line <= 0:
        return f"{display(error.path)}: {display_block(error.message)}"
    where = display(f"{error.path}:{error.line}:{error.column}")
    return f"{where}: {display_block(error.message)}"


def _write_statistics(report: RunReport, out: TextIO, paint: Callable[[str, str], str]) -> None:
    counts = Counter(f.rule for f in report.findings)
    fixable = {f.rule for f in report.findings if report.fixable(f)}
    width = len(str(max(counts.values(), default=0)))
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = report.platform.rules.get(rule_id)
        marker = "[*]" if rule_id in fixable else "   "
        name = display(rule.name) if rule else ""
        out.write(f"{count:>{width}}\t{paint('rule', rule_id)}\t{marker} {name}\n")


def summary_line(report: RunReport) -> str:
    s = report.summary()
    files = f"{s['files']} file" + ("" if s["files"] == 1 else "s")
    parts = []
    if report.fixed:
        parts.append(f"{'fixed' if report.fix_mode else 'would fix'} {len(report.fixed)}")
    if s["findings"]:
        found = s["findings"]
        parts.append(
            f"{found} finding{'s' if found != 1 else ''} ({s['errors']} error"
            f"{'s' if s['errors'] != 1 else ''}, {s['warnings']} warning"
            f"{'s' if s['warnings'] != 1 else ''})"
        )
        safe = sum(1 for f in report.findings if f.fix and f.fix.applicability == "safe")
        unsafe = sum(1 for f in report.findings if f.fix and f.fix.applicability == "unsafe")
        if safe and not report.fix_mode:
            parts.append(f"{safe} fixable with --fix")
        if unsafe and not report.unsafe_fixes:
            parts.append(f"{unsafe} more with --fix --unsafe-fixes")
    else:
        parts.append("no findings")
    if report.errors:
        n = len(report.errors)
        parts.append(f"{n} input{'s' if n != 1 else ''} could not be read")
    return f"ekslint: {files} checked: " + "; ".join(parts) + "."


FIRST_LINE = 120  # characters of a message's first line; the rest goes on the lines after
_CLAUSES = ("; ", " but ", ": ", ", ", " and ")  # a long line breaks at the first that fits
MAX_SOURCE_BYTES = 16_000_000  # larger inputs are reported without source lines
SNIPPET = 100  # characters of a long source line shown around the node


# A report repeats its messages (a stream of many alike workloads): each is split once.
@functools.lru_cache(maxsize=1024)
def split_first_line(text: str, limit: int = FIRST_LINE) -> tuple[str, str]:
    """A first line of at most about ``limit`` characters, and what follows it: broken at a
    clause boundary outside parentheses and quotes (a sentence reads on from there), else at
    such a space, else at any space."""
    if len(text) <= limit:
        return text, ""
    outside = _outside_brackets_and_quotes(text[: limit + 1])  # only where a break may fall
    for separator in _CLAUSES:
        at = text.rfind(separator, 0, limit)
        while at > limit // 3 and not outside[at]:
            at = text.rfind(separator, 0, at)
        if at > limit // 3:
            if separator in (" but ", " and "):  # the next line starts with the word
                return text[:at], text[at + 1 :]
            return text[:at] + separator.rstrip(), text[at + len(separator) :]
    for anywhere in (False, True):
        at = text.rfind(" ", 0, limit)
        while at > limit // 3 and not (anywhere or outside[at]):
            at = text.rfind(" ", 0, at)
        if at > limit // 3:
            return text[:at], text[at + 1 :]
    return text[:limit], text[limit:]


def _outside_brackets_and_quotes(text: str) -> list[bool]:
    """For each character, whether it stands outside every (...) and '...' or "...": a quote
    opens only after a non-word character, so the apostrophe in "workload's" opens nothing."""
    outside = []
    depth = 0
    quote = ""
    for at, char in enumerate(text):
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if quote:
            if char == quote and not after.isalnum():
                quote = ""
        elif char in "'\"" and not before.isalnum():
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        outside.append(not quote and depth == 0 and char not in "()")
    return outside


def wrap(text: str, limit: int = FIRST_LINE) -> list[str]:
    """A long line as lines of about ``limit`` characters, each broken as the first line is."""
    lines = []
    while text:
        line, text = split_first_line(text, limit)
        lines.append(line)
    return lines


class _Sources:
    """Source lines of the reported files, read once each and only when asked for."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.lines: dict[str, list[str] | None] = {
            path: _lines(text) if len(text) <= MAX_SOURCE_BYTES else None
            for path, text in texts.items()
        }

    def line(self, path: str, number: int) -> str | None:
        if path not in self.lines:
            self.lines[path] = self._read(path)
        lines = self.lines[path]
        if lines is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]

    @staticmethod
    def _read(path: str) -> list[str] | None:
        if path.startswith("<"):  # stdin
            return None
        try:
            if os.path.getsize(path) > MAX_SOURCE_BYTES:
                return None
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        return _lines(data.decode("utf-8", "replace"))


def _lines(text: str) -> list[str]:
    # libyaml's line breaks: \r\n, \r, \n (and NEL, LS, PS, which Kubernetes YAML rarely has)
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _shown(text: str) -> str:
    """Part of a source line as a terminal shows it safely: tabs as spaces, every other
    control and workflow-command syntax escaped as in the rest of the report."""
    return escape_controls(text.replace("\t", " ")).replace(LEGACY_COMMAND, "##\\[")


def _node_width(line: str, column: int) -> int:
    """How many characters the node at ``column`` (0-based) spans: a quoted scalar to its
    closing quote, else a plain one up to a comment, a flow indicator or the line's end."""
    rest = line[column:]
    if not rest:
        return 1
    if rest[0] in "\"'":
        end = rest.find(rest[0], 1)
        while rest[0] == '"' and end > 0 and rest[end - 1] == "\\":
            end = rest.find('"', end + 1)
        return end + 1 if end > 0 else len(rest)
    width = len(rest)
    for stop in (" #", ", ", ",", "}", "]", ": "):
        at = rest.find(stop)
        if 0 < at < width:
            width = at
    return max(1, len(rest[:width].rstrip()))


def _write_full(
    report: RunReport,
    finding: Finding,
    out: TextIO,
    paint: Callable[[str, str], str],
    sources: _Sources,
) -> None:
    severity = report.severity(finding)
    where = display(f"{finding.path}:{finding.line}:{finding.column}")
    marker = " [*]" if report.fixable(finding) else ""
    lines = finding.message.split("\n")
    first, rest = split_first_line(lines[0])
    out.write(
        f"{paint('path', where)}: {paint('rule', finding.rule)}{marker} "
        f"[{paint(severity, severity)}] {display(first)}\n"
    )
    # The message reads on right under its first line; then where it is and what to do.
    for more in [*wrap(rest), *lines[1:]]:
        out.write(f"  {display(more)}\n")
    source = sources.line(finding.path, finding.line)
    if source is not None:
        number = str(finding.line)
        gutter = " " * len(number)
        column = max(finding.column - 1, 0)
        width = _node_width(source, column)
        start = 0
        if len(source) > SNIPPET:  # a long line: the part around the node
            start = max(0, min(column - SNIPPET // 3, len(source) - SNIPPET))
        window = source[start : start + SNIPPET]
        # The manifest's own line is echoed: shown through the same escaping as every value,
        # the caret placed by the escaped width of what stands before the node.
        shown = _shown(window)
        prefix, suffix = ("…" if start else ""), ("…" if start + SNIPPET < len(source) else "")
        caret_at = len(_shown(window[: column - start])) + len(prefix)
        node_width = len(_shown(window[column - start : column - start + width]))
        carets = "^" * max(1, min(node_width, len(shown) + len(prefix) - caret_at))
        bar = paint("dim", "|")
        out.write(f"{gutter} {bar}\n")
        out.write(f"{paint('dim', number)} {bar} {prefix}{shown}{suffix}\n")
        out.write(f"{gutter} {bar} {' ' * caret_at}{paint(severity, carets)}\n")
    fix = finding.fix
    if fix is not None and fix.description:
        how = "--fix" if fix.applicability == "safe" else "--fix --unsafe-fixes"
        out.write(f"  {paint('green', 'fix')}: {display(fix.description)} ({how})\n")
    if finding.source:
        out.write(paint("dim", f"  template: {display(finding.source)}") + "\n")
    origin = finding.origin
    if origin and (origin.path, origin.line, origin.column) != (
        finding.path,
        finding.line,
        finding.column,
    ):  # not already reported there (--kustomize)
        out.write(paint("dim", f"  (origin: {display(origin.describe())})") + "\n")
    hint = finding.extra.get("lasting-fix")
    if hint:
        for more in display_lines(hint):
            out.write(paint("dim", f"  {more}") + "\n")
    out.write("\n")
