"""What a run reports: findings against rules, and inputs that could not be read."""

from __future__ import annotations

from ekslint.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Literal

    Applicability = Literal["safe", "unsafe"]


@record(frozen=True)
class Edit:
    """Replace ``text[start:end]`` of one document chunk with ``replacement``."""

    start: int
    end: int
    replacement: str


@record(frozen=True)
class Fix:
    applicability: Applicability
    description: str
    edits: tuple[Edit, ...]


@record(frozen=True)
class ObjectRef:
    kind: str
    name: str | None
    namespace: str | None

    def describe(self) -> str:
        """``Kind/name in namespace`` on one line, whatever the manifest wrote there."""
        from ekslint.report.escape import escape_controls

        name = self.name or "<unnamed>"
        text = f"{self.kind}/{name}" + (f" in {self.namespace}" if self.namespace else "")
        return escape_controls(text)


@record(frozen=True)
class Origin:
    """Where a rendered node came from (Kustomize's origin annotation): a source file and the
    1-based position in it, 0 when unknown (a remote base, or a source ekslint cannot read)."""

    path: str
    line: int
    column: int
    repo: str | None = None  # a remote base's repository, with its ref
    ref: str | None = None

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


@record
class Finding:
    rule: str  # rule ID, e.g. EKS001
    message: str
    path: str
    line: int  # 1-based
    column: int  # 1-based
    object: ObjectRef | None = None
    container: str | None = None
    source: str | None = None  # Helm template named by a `# Source:` comment
    fix: Fix | None = None
    chunk: int = -1  # index of the document chunk whose text the fix edits
    # Shared while empty (many findings, few extras): assign a new dict, never mutate it.
    extra: dict[str, str] = _NO_EXTRA
    origin: Origin | None = None  # the source file of a rendered object (Kustomize)
    # 1-based (line, column) just past the offending node; None when not known exactly
    end: tuple[int, int] | None = None
    # A rule whose cases differ in certainty sets it per finding ("error" | "warning");
    # None: the rule's severity. A severity set in the configuration wins over both.
    severity: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@record(frozen=True)
class InputError:
    """An input that could not be read or parsed (exit code 2)."""

    path: str
    line: int  # 1-based; 0 when the error is about the file as a whole
    column: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # about the file as a whole: no position to give
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@record(frozen=True)
class Note:
    """Something worth telling that is neither a finding nor an error (e.g. a skipped template)."""

    path: str
    message: str
    line: int = 0  # 1-based line the note is about; 0 for the whole file
    column: int = 0  # 1-based; 0 when the note is about a whole line or file


class NodeProblem(Exception):
    """Raised while reading a document when a node makes it unreadable (duplicate key, ...)."""

    def __init__(self, message: str, line: int, column: int) -> None:  # 0-based position
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
