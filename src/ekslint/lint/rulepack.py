"""Platform packs: a platform's annotation keys and list syntax, and its rules.

The rules are written once, in ``rules/base/``, with placeholders (``{http_key}``,
``{insecure_key}``, ``{prefix}``, ``{product}``, ``{cloud_registry}``, ``{platform_title}``,
``{id_prefix}``) for what each platform names differently. A pack is one file,
``rules/platforms/<name>.yaml`` (or a user's own file, by path): its values, and under ``rules:``
the fields of a rule that say something different on that platform. A rule's ID is the pack's
``id-prefix`` and the rule's number (EKS001, ECI001); a base rule may be limited to some
platforms (``platforms:``).

The shipped files follow ``rules/schema/rule.schema.json`` and ``platform.schema.json``; the
test suite validates every one, so start-up does not pay for a JSON Schema library. A user's
pack is validated as it loads (jsonschema, imported only then; the result is cached), with
positions, so a mistake is reported as file:line:col.
"""

from __future__ import annotations

import functools
import os
import re

from ekslint.data import load_validated, rules_dir, trusted
from ekslint.kube.registrylist import ListSyntax
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any, Literal

    Severity = Literal["error", "warning"]


class RuleDataError(Exception):
    """A rule or platform file is not valid (a packaging bug, or a user's own pack)."""


@record(frozen=True)
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


@record
class Platform:
    name: str
    title: str
    id_prefix: str  # EKS, for EKS001
    annotations: dict[str, str]  # role ("http", "insecure") -> annotation key
    prefix: str
    known_annotations: frozenset[str]
    list_syntax: ListSyntax
    global_defaults: dict[str, str] | None
    global_defaults_instead: str | None = None  # when there are none
    rules: dict[str, Rule] = field(default_factory=dict)
    _roles: dict[str, str] = field(default_factory=dict, init=False)  # annotation key -> role

    def __post_init__(self) -> None:
        self._roles = {key: role for role, key in self.annotations.items()}

    def role_of(self, key: str) -> Any:
        return self._roles.get(key)

    def likely_typos(self, key: str) -> list[tuple[int, str]]:
        """Known keys ``key`` is probably a misspelling of, as (edits, known key), nearest first.

        Close means one edit (an insertion, deletion, substitution or swap of neighbours), or
        two for a name of more than 6 characters: a key further from every documented one is
        more likely a setting ekslint does not know than a typo of one it does.
        """
        name = key[len(self.prefix) :] if key.startswith(self.prefix) else key
        limit = 1 if len(name) <= 6 else 2
        singular = _singular(key)
        found = []
        for known in self.known_annotations:
            if _singular(known) == singular:
                found.append((1, known))  # registries for registry: one slip, however spelt
                continue
            if abs(len(known) - len(key)) > limit:
                continue
            edits = edit_distance(key, known, limit)
            if edits <= limit:
                found.append((edits, known))
        return sorted(found)

    def rule_by_name_or_id(self, word: str) -> Rule | None:
        for rule in self.rules.values():
            if word in (rule.id, rule.name):
                return rule
        return None


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def is_pack_path(value: str) -> bool:
    """A ``platform`` value that names a pack file rather than a shipped pack."""
    return value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value


def _singular(key: str) -> str:
    """``key`` with each ``-``-separated word made singular (registries -> registry)."""
    words = []
    for word in key.split("-"):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
        words.append(word)
    return "-".join(words)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance between ``a`` and ``b``, or ``limit + 1`` once it is
    certain to exceed ``limit`` (the work stays bounded on long hostile keys)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def available_platforms() -> list[str]:
    """The shipped packs: ``rules/platforms/<name>.yaml``."""
    folder = os.path.join(rules_dir(), "platforms")
    return sorted(
        name.removesuffix(".yaml") for name in os.listdir(folder) if name.endswith(".yaml")
    )


@functools.cache
def load_platform(name: str) -> Platform:
    """A shipped pack by name, or a user's pack file by path (validated with positions)."""
    if is_pack_path(name):
        if not os.path.isfile(name):
            raise RuleDataError(f"{name}: platform pack file not found")
        return _load_platform(name, user=True)
    path = os.path.join(rules_dir(), "platforms", f"{name}.yaml")
    if not os.path.isfile(path):
        known = ", ".join(available_platforms())
        raise RuleDataError(f"unknown platform {name!r} (known: {known})")
    return _load_platform(path, user=False)


def pack_name(path: str) -> str:
    """The ``platform:`` name a user's pack file declares."""
    return str(_platform_data(path, user=True)["platform"])


def _platform_data(path: str, user: bool) -> dict[str, Any]:
    if not user:
        shipped: dict[str, Any] = load_validated(path, "platform", trusted)
        return shipped
    from ekslint.config.load import ConfigError, load_schema_checked

    try:
        data: dict[str, Any] = load_schema_checked(path, "platform")
    except ConfigError as exc:
        raise RuleDataError(str(exc)) from None
    return data


def _load_platform(path: str, user: bool) -> Platform:
    data = _platform_data(path, user)
    syntax = data.get("list-syntax", {})
    platform = Platform(
        name=data["platform"],
        title=data["title"],
        id_prefix=data["id-prefix"],
        annotations=dict(data["annotations"]),
        prefix=data["annotation-prefix"],
        known_annotations=frozenset(
            key for group in data["known-annotations"] for key in group["keys"]
        )
        | set(data["annotations"].values()),
        list_syntax=ListSyntax(
            scheme_allowed=syntax.get("scheme-allowed", False),
            max_entries=syntax.get("max-entries"),
            all_allowed=syntax.get("all-allowed", True),
        ),
        global_defaults=data.get("global-defaults"),
        global_defaults_instead=data.get("global-defaults-instead"),
    )
    values = {
        "http_key": platform.annotations["http"],
        "insecure_key": platform.annotations["insecure"],
        "prefix": platform.prefix,
        "product": data["product"],
        "cloud_registry": data["cloud-registry"],
        "platform_title": platform.title,
        "id_prefix": platform.id_prefix,
    }
    base = base_rules()
    overrides: dict[str, dict[str, Any]] = data.get("rules") or {}
    for number in overrides:
        if number not in base or not _applies(base[number][1], platform.name):
            raise RuleDataError(f"{path}: rules.{number}: {platform.name} has no rule {number}")
    for number, (rule_path, raw) in base.items():
        if not _applies(raw, platform.name):
            continue
        merged = {**raw, **overrides.get(number, {})}
        where = f"{path}: rules.{number}" if number in overrides else rule_path
        rule = _rule(_fill(merged, values, where), platform.id_prefix + number, platform.name)
        platform.rules[rule.id] = rule
    return platform


def _applies(raw: dict[str, Any], platform: str) -> bool:
    only = raw.get("platforms")
    return only is None or platform in only


@functools.cache
def base_rules() -> dict[str, tuple[str, dict[str, Any]]]:
    """``rules/base``: number -> (file, rule data), in number order."""
    folder = os.path.join(rules_dir(), "base")
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".yaml"):
            continue
        path = os.path.join(folder, name)
        raw: dict[str, Any] = load_validated(path, "rule", trusted)
        if raw["number"] in found:
            raise RuleDataError(f"{path}: rule number {raw['number']} defined twice")
        found[raw["number"]] = (path, raw)
    return dict(sorted(found.items()))


def _fill(value: Any, values: dict[str, str], where: str) -> Any:
    """``value`` with each ``{placeholder}`` replaced by the platform's value."""
    if isinstance(value, str):
        if "{" not in value:
            return value  # most strings of a rule: no placeholder to look for

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                known = ", ".join("{" + k + "}" for k in values)
                raise RuleDataError(f"{where}: unknown placeholder {{{name}}} (known: {known})")
            return values[name]

        return PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {k: _fill(v, values, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values, where) for v in value]
    return value


def _rule(raw: dict[str, Any], rule_id: str, pack: str) -> Rule:
    fix = raw.get("fix") or {}
    return Rule(
        id=rule_id,
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
