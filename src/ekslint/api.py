"""The Python API: lint and fix manifest text in memory, with the linter the CLI runs.

    import ekslint
    settings = ekslint.Settings.from_config({"registries": [{"host": "10.0.0.5:5000",
                                                             "protocol": "http"}]})
    for finding in ekslint.lint_text(text, filename="deploy.yaml", settings=settings):
        print(finding.line, finding.column, finding.rule, finding.message)
    fixed, remaining = ekslint.fix_text(text, settings=settings)

Positions are 1-based, columns count code points (Python string indices); the end position is
just past the offending node. Several texts linted together (``lint_texts``) see each other's
ServiceAccounts, Secrets and eks-config, as the files of one CLI run do.
"""

from __future__ import annotations

import io
import os

from ekslint.config.settings import Settings
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import Finding as _InternalFinding
from ekslint.lint.findings import ObjectRef
from ekslint.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Mapping

__all__ = [
    "Finding",
    "Fix",
    "ObjectRef",
    "Settings",
    "TextEdit",
    "fix_text",
    "lint_text",
    "lint_texts",
    "load_settings",
]

_BOM = "\ufeff"


@record
class TextEdit:
    """Replace ``text[offset:end_offset]`` with ``replacement``; also as 1-based positions."""

    offset: int
    end_offset: int
    replacement: str
    line: int
    column: int
    end_line: int
    end_column: int


@record
class Fix:
    """What ``--fix`` (``applicability == "safe"``) or ``--unsafe-fixes`` would change."""

    applicability: str
    description: str
    edits: tuple[TextEdit, ...]


@record
class Finding:
    """One problem: ``rule`` is the ID (EKS001), ``name`` the rule's name, ``severity``
    ``"error"`` or ``"warning"`` after the configuration's overrides."""

    rule: str
    name: str
    severity: str
    message: str
    filename: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = None
    object: ObjectRef | None = None
    container: str | None = None
    offset: int = 0  # where the span starts and ends in the text, in code points
    end_offset: int = 0


def load_settings(path: str | None = None) -> Settings:
    """The settings the CLI would use: ``path`` a config file (``.ekslint.yaml`` or
    ``pyproject.toml``), or a folder to search upwards from (default: the working directory).
    Raises ``ConfigError`` as the CLI reports it."""
    from ekslint.config.load import ConfigError, check_settings, find_config, settings_from_file

    start = os.getcwd() if path is None else path
    if os.path.isdir(start):
        found = find_config(start)
    elif os.path.isfile(start):
        found = start
    else:
        raise ConfigError(f"{start}: config file not found")
    settings, source = settings_from_file(found)
    check_settings(settings, source)
    return settings


def lint_text(text: str, *, filename: str = "-", settings: Settings | None = None) -> list[Finding]:
    """Findings of one manifest text (a stream of YAML or JSON documents)."""
    return lint_texts({filename: text}, settings=settings)[filename]


def lint_texts(
    texts: Mapping[str, str], *, settings: Settings | None = None
) -> dict[str, list[Finding]]:
    """Findings of several texts linted together, by filename."""
    session = Session(settings)
    return {name: session.public(result) for name, result in session.lint(texts).items()}


def fix_text(
    text: str, *, filename: str = "-", settings: Settings | None = None, unsafe: bool = False
) -> tuple[str, list[Finding]]:
    """``--fix`` (``--unsafe-fixes`` with ``unsafe``) on a text: the fixed text, and the
    findings that remain in it."""
    session = Session(settings)
    result = session.lint({filename: text})[filename]
    fixed = session.fix(result, unsafe=unsafe)
    return fixed, session.public(result, fixed)


class Session:
    """One linter run over texts in memory: what the API functions and the language server
    share with the CLI's run (the same ``Linter`` and ``Fixer``)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings()
        self.linter = Linter(self.settings)
        self.texts: dict[str, str] = {}

    def lint(self, texts: Mapping[str, str]) -> dict[str, FileResult]:
        results = {}
        for name, text in texts.items():
            result = FileResult(name)
            self.linter.lint_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), result, True)
            results[name] = result
            self.texts[name] = text
        self.linter.resolve_deferred()
        for result in results.values():
            self.linter.finish(result)
        return results

    def fix(self, result: FileResult, *, unsafe: bool) -> str:
        """The fixed text; ``result.findings`` become those left in it."""
        from ekslint.fix.fixer import Fixer

        outcome = Fixer(self.linter, unsafe=unsafe, write=False).fix("-", result)
        text = self.texts[result.path] if outcome.text is None else outcome.text
        self.texts[result.path] = text
        return text

    def public(self, result: FileResult, text: str | None = None) -> list[Finding]:
        text = self.texts[result.path] if text is None else text
        # The linter reads a text without its byte order mark; offsets count it.
        bom = 1 if text.startswith(_BOM) else 0
        lines = Lines(text[bom:])
        starts = _chunk_starts(result, bom)
        return [self._public(f, lines, starts, bom) for f in result.findings]

    def _public(
        self, finding: _InternalFinding, lines: Lines, starts: dict[int, int], bom: int
    ) -> Finding:
        rule = self.linter.platform.rules.get(finding.rule)
        if finding.end is not None:
            end_line, end_column = finding.end
        else:  # known only where it starts: to the end of that line
            end_line = finding.line
            end_column = len(lines.line(finding.line).rstrip("\r\n")) + 1
        fix = None
        if finding.fix is not None and finding.chunk in starts:
            base = starts[finding.chunk]
            edits = []
            for edit in finding.fix.edits:
                start, end = base + edit.start, base + edit.end
                line, column = lines.position(start)
                end_line_, end_column_ = lines.position(end)
                edits.append(
                    TextEdit(
                        start + bom,
                        end + bom,
                        edit.replacement,
                        line,
                        column,
                        end_line_,
                        end_column_,
                    )
                )
            fix = Fix(finding.fix.applicability, finding.fix.description, tuple(edits))
        if end_line == finding.line:
            end_column = max(end_column, finding.column)
        return Finding(
            rule=finding.rule,
            name=rule.name if rule else finding.rule,
            severity=self.linter.severity_of(finding),
            message=finding.message,
            filename=finding.path,
            line=finding.line,
            column=finding.column,
            end_line=end_line,
            end_column=end_column,
            fix=fix,
            object=finding.object,
            container=finding.container,
            offset=lines.offset(finding.line, finding.column) + bom,
            end_offset=lines.offset(end_line, end_column) + bom,
        )


def _chunk_starts(result: FileResult, bom: int) -> dict[int, int]:
    """Offset of each chunk kept while linting in the text without its byte order mark (fix
    edits are chunk-relative)."""
    offset = 0
    starts = {}
    for index in sorted(result.chunks):
        starts[index] = offset
        offset += len(result.chunks[index][1])
    return starts


class Lines:
    """Line starts of a text, for offsets <-> 1-based (line, column); only ``\\n`` breaks a
    line, as in the linter's positions."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def position(self, offset: int) -> tuple[int, int]:
        import bisect

        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        index = min(max(line - 1, 0), len(self.starts) - 1)
        return min(self.starts[index] + column - 1, len(self.text))

    def line(self, line: int) -> str:
        index = line - 1
        if not 0 <= index < len(self.starts):
            return ""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[index] : end]
