"""What a check sees besides its subject: settings, platform, the chunk's text, and how to
build findings and fixes at exact positions."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ekslint.config.settings import Settings
from ekslint.input.read import Chunk
from ekslint.input.yamlnodes import Node
from ekslint.kube.inventory import Inventory
from ekslint.kube.registries import RegistryCatalog
from ekslint.lint.findings import Edit, Finding, Fix, Note, ObjectRef, Origin
from ekslint.lint.rulepack import Platform, Rule
from ekslint.record import field, record

Deferred = Callable[[Inventory], Iterable[Finding]]


@record
class Context:
    settings: Settings
    platform: Platform
    catalog: RegistryCatalog
    path: str
    chunk: Chunk
    source: str | None
    deferred: list[Deferred] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list, init=False)  # e.g. why a fix is not offered
    # Set while linting a rendered object that names its source file.
    origin_of: Callable[[Node], Origin | None] | None = None

    def finding(
        self,
        rule: Rule,
        node: Node,
        message: str,
        *,
        obj: ObjectRef | None,
        container: str | None = None,
        fix: Fix | None = None,
        line_offset: int = 0,
        column_offset: int = 0,
        severity: str | None = None,
    ) -> Finding:
        mark = node.start_mark
        line, column = mark.line, mark.column
        end_line, end_column = node.end_mark.line, node.end_mark.column
        if self.chunk.odd_breaks and not (line_offset or column_offset):
            line, column = self.chunk.position(mark.index)
            end_line, end_column = self.chunk.position(node.end_mark.index)
        end: tuple[int, int] | None = (self.chunk.first_line + end_line + 1, end_column + 1)
        if line_offset or column_offset:
            # The node sits inside a string (eks-config's pod.annotations): its positions are
            # mapped for the report, but edits cannot be, so no fix is offered.
            fix = None
            end = None
        finding = Finding(
            rule=rule.id,
            message=message,
            path=self.path,
            line=self.chunk.first_line + line + line_offset + 1,
            column=column + column_offset + 1,
            object=obj,
            container=container,
            source=self.source,
            fix=fix,
            chunk=self.chunk.index,
            end=end,
            severity=severity,
        )
        if self.origin_of is not None:
            finding.origin = self.origin_of(node)
        return finding

    def fix(
        self, rule: Rule, description: str, *edits: Edit | None, unsafe: bool = False
    ) -> Fix | None:
        """The fix made of ``edits``; None when a builder could not make one of them exact."""
        if any(edit is None for edit in edits):
            return None
        exact = tuple(edit for edit in edits if edit is not None)
        if unsafe or rule.fix_safety == "unsafe":
            return Fix("unsafe", description, exact)
        return Fix("safe", description, exact)
