"""What a run reports: findings against rules, and inputs that could not be read."""

from __future__ import annotations

from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Literal

    Applicability = Literal["safe", "unsafe"]


class Edit(Record):
    """Replace ``text[start:end]`` of one document chunk with ``replacement``."""

    __slots__ = ("end", "replacement", "start")

    def __init__(self, start: int, end: int, replacement: str) -> None:
        self.start = start
        self.end = end
        self.replacement = replacement


class Fix(Record):
    __slots__ = ("applicability", "description", "edits")

    def __init__(
        self,
        applicability: Applicability,
        description: str,
        edits: tuple[Edit, ...],
    ) -> None:
        self.applicability = applicability
        self.description = description
        self.edits = edits


class ObjectRef(Record):
    __slots__ = ("kind", "name", "namespace")

    def __init__(self, kind: str, name: str | None, namespace: str | None) -> None:
        self.kind = kind
        self.name = name
        self.namespace = namespace

    def describe(self) -> str:
        """``Kind/name in namespace`` on one line, whatever the manifest wrote there."""
        from ekslint.report.escape import escape_controls

        name = self.name or "<unnamed>"
        text = f"{self.kind}/{name}" + (f" in {self.namespace}" if self.namespace else "")
        return escape_controls(text)


class Origin(Record):
    """Where a rendered node came from (Kustomize's origin annotation): a source file and the
    1-based position in it, 0 when unknown (a remote base, or a source ekslint cannot read)."""

    __slots__ = ("column", "line", "path", "ref", "repo")

    def __init__(
        self, path: str, line: int, column: int, repo: str | None = None, ref: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.repo = repo  # a remote base's repository, with its ref
        self.ref = ref

    def as_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "path": self.path,
            "line": self.line or None,
            "column": self.column or None,
        }
        if self.repo is not None:
            document["repo"] = self.repo
            document["ref"] = self.ref
        return document

    def describe(self) -> str:
        """For text output: names come from a manifest, so nothing in them starts a new line."""
        if self.repo is not None:
            at = f"@{self.ref}" if self.ref else ""
            text = f"{self.repo}{at}" + (f"//{self.path}" if self.path else "")
        else:
            text = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_NO_EXTRA: dict[str, str] = {}


class Finding(Record):
    # Where the finding's text lives, so that fixes can be applied: (chunk index, chunk offset)
    __slots__ = (
        "chunk",
        "column",
        "container",
        "end",
        "extra",
        "fix",
        "line",
        "message",
        "object",
        "origin",
        "path",
        "rule",
        "severity",
        "source",
    )

    def __init__(
        self,
        rule: str,
        message: str,
        path: str,
        line: int,
        column: int,
        object: ObjectRef | None = None,
        container: str | None = None,
        source: str | None = None,
        fix: Fix | None = None,
        chunk: int = -1,
        extra: dict[str, str] | None = None,
        origin: Origin | None = None,
        end: tuple[int, int] | None = None,
        severity: str | None = None,
    ) -> None:
        self.rule = rule  # rule ID, e.g. EKS001
        self.message = message
        self.path = path
        self.line = line  # 1-based
        self.column = column  # 1-based
        self.object = object
        self.container = container
        self.source = source  # Helm template named by a `# Source:` comment
        self.fix = fix
        self.chunk = chunk
        # Shared while empty (many findings, few extras): assign a new dict, never mutate it.
        self.extra: dict[str, str] = _NO_EXTRA if extra is None else extra
        self.origin = origin  # the source file of a rendered object (Kustomize)
        # 1-based (line, column) just past the offending node; None when not known exactly
        self.end = end
        # A rule whose cases differ in certainty sets it per finding ("error" | "warning");
        # None: the rule's severity. A severity set in the configuration wins over both.
        self.severity = severity

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


class InputError(Record):
    """An input that could not be read or parsed (exit code 2)."""

    __slots__ = ("column", "line", "message", "path")

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        self.path = path
        self.line = line  # 1-based; 0 when the error is about the file as a whole
        self.column = column
        self.message = message

    def __str__(self) -> str:
        if self.line <= 0:  # about the file as a whole: no position to give
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class Note(Record):
    """Something worth telling that is neither a finding nor an error (e.g. a skipped template)."""

    __slots__ = ("column", "line", "message", "path")

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0) -> None:
        self.path = path
        self.message = message
        self.line = line  # 1-based line the note is about; 0 for the whole file
        self.column = column  # 1-based; 0 when the note is about a whole line or file


class NodeProblem(Exception):
    """Raised while reading a document when a node makes it unreadable (duplicate key, ...)."""

    def __init__(self, message: str, line: int, column: int) -> None:  # 0-based position
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
