"""Rule packs: a platform's annotation keys plus its rules, loaded from ``rules/<platform>/``.

The shipped packs follow ``rules/schema/rule.schema.json`` and ``platform.schema.json``; the test
suite validates every file against them, so start-up does not pay for a JSON Schema library.
"""

from __future__ import annotations

import functools
import os

from ekslint.data import load_validated, rules_dir, trusted
from ekslint.kube.registrylist import ListSyntax
from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any, Literal

    Severity = Literal["error", "warning"]


class RuleDataError(Exception):
    """A rule or platform file is not valid (a packaging bug, or a user's own pack)."""


class Rule(Record):
    __slots__ = (
        "check",
        "examples",
        "fix_available",
        "fix_description",
        "fix_safety",
        "id",
        "name",
        "pack",
        "params",
        "rationale",
        "remediation",
        "scope",
        "severity",
        "summary",
    )

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        summary: str,
        rationale: str,
        remediation: str,
        check: str,
        scope: str,
        params: dict[str, Any],
        fix_available: bool,
        fix_safety: str | None,
        fix_description: str,
        examples: dict[str, str],
        pack: str,
    ) -> None:
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.rationale = rationale
        self.remediation = remediation
        self.check = check
        self.scope = scope
        self.params = params
        self.fix_available = fix_available
        self.fix_safety = (
            fix_safety  # "safe", "unsafe", "conditional" (safe only when ...), or None
        )
        self.fix_description = fix_description
        self.examples = examples
        self.pack = pack


class Platform(Record):
    __slots__ = (
        "_roles",
        "annotations",
        "global_defaults",
        "known_annotations",
        "list_syntax",
        "name",
        "prefix",
        "rules",
        "title",
    )

    def __init__(
        self,
        name: str,
        title: str,
        annotations: dict[str, str],
        prefix: str,
        known_annotations: frozenset[str],
        list_syntax: ListSyntax,
        global_defaults: dict[str, str] | None,
        rules: dict[str, Rule] | None = None,
        _roles: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.annotations = annotations  # role ("http", "insecure") -> annotation key
        self.prefix = prefix
        self.known_annotations = known_annotations
        self.list_syntax = list_syntax
        self.global_defaults = global_defaults
        self.rules: dict[str, Rule] = {} if rules is None else rules
        self._roles: dict[str, str] = {} if _roles is None else _roles

    def role_of(self, key: str) -> Any:
        return self._roles.get(key)

    def close_matches(self, key: str) -> list[str]:
        import difflib

        return difflib.get_close_matches(key, sorted(self.known_annotations), n=3, cutoff=0.8)

    def rule_by_name_or_id(self, word: str) -> Rule | None:
        for rule in self.rules.values():
            if word in (rule.id, rule.name):
                return rule
        return None


def available_platforms() -> list[str]:
    root = rules_dir()
    return sorted(
        name
        for name in os.listdir(root)
        if os.path.isfile(os.path.join(root, name, "platform.yaml"))
    )


@functools.cache
def load_platform(name: str) -> Platform:
    folder = os.path.join(rules_dir(), name)
    if not os.path.isfile(os.path.join(folder, "platform.yaml")):
        known = ", ".join(available_platforms())
        raise RuleDataError(f"unknown platform {name!r} (known: {known})")
    return _load_platform(folder)


def _load_platform(folder: str) -> Platform:
    platform_file = os.path.join(folder, "platform.yaml")
    data = load_validated(platform_file, "platform", trusted)
    syntax = data.get("list-syntax", {})
    platform = Platform(
        name=data["platform"],
        title=data["title"],
        annotations=dict(data["annotations"]),
        prefix=data["annotation-prefix"],
        known_annotations=frozenset(data["known-annotations"]) | set(data["annotations"].values()),
        list_syntax=ListSyntax(
            scheme_allowed=syntax.get("scheme-allowed", False),
            max_entries=syntax.get("max-entries"),
            all_allowed=syntax.get("all-allowed", True),
        ),
        global_defaults=data.get("global-defaults"),
    )
    platform._roles = {key: role for role, key in platform.annotations.items()}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".yaml") or name == "platform.yaml":
            continue
        path = os.path.join(folder, name)
        raw = load_validated(path, "rule", trusted)
        if "extends" in raw:
            base_pack, _, base_id = raw["extends"].partition("/")
            base = _raw_rule(base_pack, base_id)
            raw = {**base, **{k: v for k, v in raw.items() if k != "extends"}}
        rule = _rule(raw, platform.name)
        if rule.id in platform.rules:
            raise RuleDataError(f"{path}: rule ID {rule.id} defined twice")
        platform.rules[rule.id] = rule
    return platform


@functools.cache
def _raw_rule(pack: str, rule_id: str) -> dict[str, Any]:
    folder = os.path.join(rules_dir(), pack)
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not (name.startswith(rule_id) and name.endswith(".yaml")):
            continue
        data: dict[str, Any] = load_validated(os.path.join(folder, name), "rule", trusted)
        if data.get("id") == rule_id:
            return data
    raise RuleDataError(f"rule {pack}/{rule_id} named by 'extends' does not exist")


def _rule(raw: dict[str, Any], pack: str) -> Rule:
    fix = raw.get("fix") or {}
    return Rule(
        id=raw["id"],
        name=raw["name"],
        severity=raw["severity"],
        summary=raw["summary"].strip(),
        rationale=raw["rationale"].strip(),
        remediation=raw["remediation"].strip(),
        check=raw["check"],
        scope=raw.get("scope", "pod"),
        params=dict(raw.get("params") or {}),
        fix_available=bool(fix.get("available", False)),
        fix_safety=fix.get("safety"),
        fix_description=(fix.get("description") or "").strip(),
        examples=dict(raw.get("examples") or {}),
        pack=pack,
    )
