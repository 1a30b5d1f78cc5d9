"""Suppressions written in the manifests themselves.

- ``# ekslint: ignore[EKS013] reason`` on the offending line, or alone on the line before it;
- ``# ekslint: file-ignore[EKS012]`` anywhere in a file;
- annotation ``ekslint.io/ignore: "EKS013,EKS008"`` on a workload or its pod template.

A suppression that names an unknown rule, or suppresses nothing, is reported itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ekslint.problems import Finding, ObjectRef

if TYPE_CHECKING:
    from ekslint.rulepack import Platform
    from ekslint.selection import RuleSelection

OBJECT_ANNOTATION = "ekslint.io/ignore"
SUPPRESSION_RULE = "invalid-suppression"
_COMMENT = re.compile(
    r"#\s*ekslint:\s*(?P<kind>file-ignore|ignore)(?:\[(?P<ids>[^\]]*)\])?", re.IGNORECASE
)


@dataclass(slots=True)
class Suppression:
    kind: str  # "line", "file", "object"
    rules: list[str]  # empty: every rule
    line: int  # 1-based line of the comment / annotation
    column: int
    lines: tuple[int, ...] = ()
    obj: ObjectRef | None = None
    used: set[str] = field(default_factory=set)


class Suppressions:
    def __init__(self, path: str, platform: Platform) -> None:
        self.path = path
        self.platform = platform
        self.items: list[Suppression] = []

    def scan(self, text: str, first_line: int) -> None:
        for number, line in enumerate(text.splitlines(), start=first_line + 1):
            if "ekslint" not in line:
                continue
            match = _COMMENT.search(line)
            if match is None:
                continue
            ids = [w.strip() for w in (match.group("ids") or "").split(",") if w.strip()]
            column = match.start() + 1
            if match.group("kind").lower() == "file-ignore":
                self.items.append(Suppression("file", ids, number, column))
            else:
                alone = line[: match.start()].strip() == ""
                lines = (number, number + 1) if alone else (number,)
                self.items.append(Suppression("line", ids, number, column, lines))

    def add_object(self, obj: ObjectRef, ids: list[str], line: int, column: int) -> None:
        self.items.append(Suppression("object", ids, line, column, obj=obj))

    def suppresses(self, finding: Finding) -> bool:
        rule = self.platform.rules.get(finding.rule)
        names = {finding.rule} | ({rule.name} if rule else set())
        hit = False
        for item in self.items:
            if item.kind == "line" and finding.line not in item.lines:
                continue
            if item.kind == "object" and finding.object != item.obj:
                continue
            matched = [w for w in item.rules if w in names or finding.rule.startswith(w)]
            if item.rules and not matched:
                continue
            item.used.update(matched or ["*"])
            hit = True
        return hit

    def problems(self, selection: RuleSelection) -> list[Finding]:
        rule = self.platform.rule_by_name_or_id(SUPPRESSION_RULE)
        if rule is None or not selection.enabled(rule.id):
            return []
        found = []
        for item in self.items:
            unknown = [w for w in item.rules if not selection.known(w)]
            if unknown:
                message = f"suppression names unknown rule {', '.join(unknown)}"
            elif not item.used:
                what = ", ".join(item.rules) or "every rule"
                message = f"suppression of {what} suppresses nothing: remove it"
            else:
                continue
            found.append(Finding(rule.id, message, self.path, item.line, item.column))
        return found
