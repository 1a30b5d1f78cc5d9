"""What a run reports: findings against rules, and inputs that could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` of one document chunk with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    description: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class ObjectRef:
    kind: str
    name: str | None
    namespace: str | None

    def describe(self) -> str:
        name = self.name or "<unnamed>"
        return f"{self.kind}/{name}" + (f" in {self.namespace}" if self.namespace else "")


@dataclass(slots=True)
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
    # Where the finding's text lives, so that fixes can be applied: (chunk index, chunk offset)
    chunk: int = -1
    fixed: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True, slots=True)
class InputError:
    """An input that could not be read or parsed (exit code 2)."""

    path: str
    line: int  # 1-based; 0 when the error is about the file as a whole
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something worth telling that is neither a finding nor an error (e.g. a skipped template)."""

    path: str
    message: str


class NodeProblem(Exception):
    """Raised while reading a document when a node makes it unreadable (duplicate key, ...)."""

    def __init__(self, message: str, line: int, column: int) -> None:  # 0-based position
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
