"""What a check sees besides its subject: settings, platform, the chunk's text, and how to
build findings and fixes at exact positions."""

from __future__ import annotations

from collections.abc import Callable

from ekslint.config.settings import Settings
from ekslint.input.read import Chunk
from ekslint.input.yamlnodes import OUTSIDE_TEXT, Node
from ekslint.kube.objects import ORIGIN_ANNOTATION
from ekslint.kube.registries import RegistryCatalog
from ekslint.lint.findings import Edit, Finding, Fix, Note, ObjectRef, Origin
from ekslint.lint.rulepack import Platform, Rule
from ekslint.record import field, record


@record
class Context:
    settings: Settings
    platform: Platform
    catalog: RegistryCatalog
    path: str
    chunk: Chunk
    source: str | None
    notes: list[Note] = field(default_factory=list, init=False)  # e.g. why a fix is not offered
    # Set while linting a rendered object that names its source file.
    origin_of: Callable[[Node], Origin | None] | None = None
    # What the chunk's text tells once, not once per object (each a scan of the whole text,
    # for every object of a long List): does it name the source files of rendered objects?
    # Can any key be ``image`` or ``images`` (written as its text, or spelt by an escape)?
    # ``spans``: the text, when no escape in it can spell a key, so that a key's absence from
    # a node's span is told by a scan of that span (None: every node is looked into).
    names_origins: bool = field(init=False)
    may_name_images: bool = field(init=False)
    spans: str | None = field(init=False)

    def __post_init__(self) -> None:
        text = self.chunk.text
        self.names_origins = ORIGIN_ANNOTATION in text
        escapes = "\\" in text
        self.may_name_images = escapes or "image" in text
        self.spans = None if escapes else text

    def finding(
        self,
        rule: Rule,
        node: Node,
        message: str,
        *,
        obj: ObjectRef | None,
        container: str | None = None,
        fix: Fix | None = None,
        severity: str | None = None,
    ) -> Finding:
        """A finding at ``node``'s position in the input."""
        mark = node.start_mark
        line, column = mark.line, mark.column
        end_line, end_column = node.end_mark.line, node.end_mark.column
        end: tuple[int, int] | None = None  # not known exactly for a node inside a string
        if mark.index != OUTSIDE_TEXT:
            if self.chunk.odd_breaks:  # editors' lines, not libyaml's
                line, column = self.chunk.position(mark.index)
                end_line, end_column = self.chunk.position(node.end_mark.index)
            end = (self.chunk.first_line + end_line + 1, end_column + 1)
        finding = Finding(
            rule=rule.id,
            message=message,
            path=self.path,
            line=self.chunk.first_line + line + 1,
            column=column + 1,
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
