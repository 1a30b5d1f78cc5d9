"""Rule packs: a platform's annotation keys plus its rules, loaded from ``rules/<platform>/``.

Every rule file is validated against ``rules/schema/rule.schema.json`` as it loads (with a
validator compiled ahead of time, so start-up does not pay for a JSON Schema library).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ekslint.data import load_yaml, rules_dir
from ekslint.registrylist import ListSyntax

Severity = Literal["error", "warning"]


class RuleDataError(Exception):
    """A rule or platform file is not valid (a packaging bug, or a user's own pack)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    rationale: str
    remediation: str
    check: str
    scope: str
    params: dict[str, Any]
    fix_available: bool
    fix_safety: str | None  # "safe", "unsafe", "conditional" (safe only when ...), or None
    fix_description: str
    examples: dict[str, str]
    pack: str


@dataclass(slots=True)
class Platform:
    name: str
    title: str
    annotations: dict[str, str]  # role ("http", "insecure") -> annotation key
    prefix: str
    known_annotations: frozenset[str]
    list_syntax: ListSyntax
    global_defaults: dict[str, str] | None
    rules: dict[str, Rule] = field(default_factory=dict)
    _roles: dict[str, str] = field(default_factory=dict)

    def role_of(self, key: str) -> Any:
        return self._roles.get(key)

    def close_matches(self, key: str) -> list[str]:
        return difflib.get_close_matches(key, sorted(self.known_annotations), n=3, cutoff=0.8)

    def rule_by_name_or_id(self, word: str) -> Rule | None:
        for rule in self.rules.values():
            if word in (rule.id, rule.name):
                return rule
        return None


def available_platforms() -> list[str]:
    return sorted(p.parent.name for p in rules_dir().glob("*/platform.yaml"))


@functools.cache
def load_platform(name: str) -> Platform:
    folder = rules_dir() / name
    if not (folder / "platform.yaml").is_file():
        known = ", ".join(available_platforms())
        raise RuleDataError(f"unknown platform {name!r} (known: {known})")
    return _load_platform(folder)


def _validate(kind: str, data: Any, path: Path) -> None:
    from ekslint import _validators

    validate = getattr(_validators, f"validate_{kind}")
    try:
        validate(data)
    except _validators.JsonSchemaValueException as exc:
        raise RuleDataError(f"{path}: {exc.message}") from None


def _load_platform(folder: Path) -> Platform:
    data = load_yaml(folder / "platform.yaml")
    _validate("platform", data, folder / "platform.yaml")
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
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "platform.yaml":
            continue
        raw = load_yaml(path)
        _validate("rule", raw, path)
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
    for path in (rules_dir() / pack).glob(f"{rule_id}*.yaml"):
        data: dict[str, Any] = load_yaml(path)
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
