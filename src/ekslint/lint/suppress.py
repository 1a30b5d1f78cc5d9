"""Suppressions written in the manifests themselves.

- ``# ekslint: ignore[EKS013] reason`` on the offending line, or alone on the line before it;
- ``# ekslint: file-ignore[EKS012]`` anywhere in a file;
- annotation ``ekslint.io/ignore: "EKS013,EKS008"`` on a workload or its pod template.

Each takes rule IDs, ID prefixes or rule names; without brackets it covers every rule. A
suppression that names an unknown rule, or suppresses nothing, is reported itself (EKS018), at
its own position. A rule that is not enabled for the file (select, ignore, per-file-ignores) is
not expected to suppress anything.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.kube.objects import KubeObject, PodTemplate
    from ekslint.lint.findings import Finding, ObjectRef
    from ekslint.lint.rulepack import Platform
    from ekslint.lint.selection import RuleSelection

OBJECT_ANNOTATION = "ekslint.io/ignore"
SUPPRESSION_RULE = "invalid-suppression"
# A pattern string: re compiles it when first used (and keeps it), not at every import.
COMMENT = r"(?i)#\s*ekslint:\s*(?P<kind>file-ignore|ignore)(?:\[(?P<ids>[^\]]*)\])?"


class Suppression:
    __slots__ = ("column", "empty", "kind", "line", "lines", "obj", "rules", "used")

    def __init__(
        self,
        kind: str,
        rules: list[str],
        line: int,
        column: int,
        lines: tuple[int, ...] = (),
        obj: ObjectRef | None = None,
        empty: bool = False,
    ) -> None:
        self.kind = kind  # "line", "file", "object"
        self.rules = rules  # selectors; empty: every rule
        self.line = line  # 1-based line of the comment / annotation value
        self.column = column
        self.lines = lines  # the lines a "line" suppression covers
        self.obj = obj  # the object an "object" suppression covers
        self.empty = empty  # written with empty brackets: names no rule at all
        self.used: set[str] = set()  # selectors that suppressed a finding ("*": every rule)

    def __repr__(self) -> str:
        return f"Suppression({self.kind}, {self.rules!r}, {self.line}:{self.column})"


class Suppressions:
    __slots__ = ("_by_line", "_by_object", "_for_file", "_indexed", "items", "path", "platform")

    def __init__(self, path: str, platform: Platform) -> None:
        self.path = path
        self.platform = platform
        self.items: list[Suppression] = []  # appended to here and by the parallel merge
        # ``items`` indexed by what each covers, so that a finding is matched against the few
        # that may suppress it: a file of thousands of comments and findings is not quadratic.
        self._indexed = 0
        self._for_file: list[Suppression] = []
        self._by_line: dict[int, list[Suppression]] = {}
        self._by_object: dict[ObjectRef | None, list[Suppression]] = {}

    def __getstate__(self) -> tuple[str, Platform, list[Suppression]]:
        return self.path, self.platform, self.items

    def __setstate__(self, state: tuple[str, Platform, list[Suppression]]) -> None:
        self.__init__(state[0], state[1])  # type: ignore[misc]
        self.items = state[2]

    def _index(self) -> None:
        if self._indexed > len(self.items):  # replaced, not appended to: start again
            self._indexed = 0
            self._for_file, self._by_line, self._by_object = [], {}, {}
        for item in self.items[self._indexed :]:
            if item.empty:
                continue
            if item.kind == "line":
                for line in item.lines:
                    self._by_line.setdefault(line, []).append(item)
            elif item.kind == "object":
                self._by_object.setdefault(item.obj, []).append(item)
            else:
                self._for_file.append(item)
        self._indexed = len(self.items)

    def scan(self, text: str, first_line: int) -> None:
        for number, line in enumerate(text.split("\n"), start=first_line + 1):
            if "ekslint" not in line:
                continue
            match = re.search(COMMENT, line)
            if match is None:
                continue
            written = match.group("ids")
            ids = [w.strip() for w in (written or "").split(",") if w.strip()]
            empty = written is not None and not ids
            column = match.start() + 1
            if match.group("kind").lower() == "file-ignore":
                self.items.append(Suppression("file", ids, number, column, empty=empty))
            else:
                alone = line[: match.start()].strip() == ""
                lines = (number, number + 1) if alone else (number,)
                self.items.append(Suppression("line", ids, number, column, lines, empty=empty))

    def add_object(self, obj: ObjectRef, ids: list[str], line: int, column: int) -> None:
        self.items.append(Suppression("object", ids, line, column, obj=obj, empty=not ids))

    def scan_object(self, obj: KubeObject, templates: list[PodTemplate], first_line: int) -> None:
        """``ekslint.io/ignore`` on the object or on any of its pod templates (``first_line``:
        where the object's chunk starts in the file)."""
        from ekslint.input.yamlnodes import ScalarNode, get

        for metadata in [obj.metadata] + [t.metadata for t in templates]:
            value = get(metadata, "annotations", OBJECT_ANNOTATION)
            if isinstance(value, ScalarNode):
                ids = [w.strip() for w in str(value.value).split(",") if w.strip()]
                mark = value.start_mark
                self.add_object(obj.ref, ids, first_line + mark.line + 1, mark.column + 1)

    def suppresses(self, finding: Finding) -> bool:
        rule = self.platform.rules.get(finding.rule)
        names = {finding.rule} | ({rule.name} if rule else set())
        hit = False
        if self._indexed != len(self.items):
            self._index()
        candidates = (
            self._for_file
            + self._by_line.get(finding.line, [])
            + self._by_object.get(finding.object, [])
        )
        for item in candidates:
            matched = [w for w in item.rules if w in names or finding.rule.startswith(w)]
            if item.rules and not matched:
                continue
            item.used.update(matched or ["*"])
            hit = True
        return hit

    def problems(self, selection: RuleSelection) -> list[Finding]:
        """EKS018 findings: suppressions naming unknown rules, or suppressing nothing."""
        from ekslint.lint.findings import Finding

        rule = self.platform.rule_by_name_or_id(SUPPRESSION_RULE)
        if rule is None or not selection.enabled_for(rule.id, self.path):
            return []
        found = []
        for item in self.items:
            message = self._problem(item, selection)
            if message:
                found.append(Finding(rule.id, message, self.path, item.line, item.column))
        return found

    def _problem(self, item: Suppression, selection: RuleSelection) -> str:
        from ekslint.lint.selection import selector_hint

        if item.empty:
            return "suppression names no rule: name one (ignore[EKS013]) or drop the brackets"
        if not item.rules:
            return "" if item.used else "suppression of every rule suppresses nothing: remove it"
        from ekslint.report.escape import escape_controls

        parts = []
        unknown = [word for word in item.rules if not selection.known(word)]
        if unknown:
            hints = [h for h in (selector_hint(self.platform, w) for w in unknown) if h]
            plural = "s" if len(unknown) > 1 else ""
            parts.append(
                f"suppression names unknown rule{plural} {escape_controls(', '.join(unknown))}"
                + (f" ({escape_controls('; '.join(hints))})" if hints else "")
            )
        unused = [
            word
            for word in item.rules
            if word not in item.used
            and word not in unknown
            and any(selection.enabled_for(r, self.path) for r in selection.expand(word))
        ]
        if unused:
            listed = escape_controls(", ".join(unused))
            parts.append(f"suppression of {listed} suppresses nothing: remove it")
        return "; ".join(parts)
