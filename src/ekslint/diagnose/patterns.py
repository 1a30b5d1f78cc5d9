"""The failures ``ekslint diagnose`` knows, loaded from ``rules/diagnose.yaml``.

Each pattern is data: a regex over the message, a title, cause and fix templates, the annotation
kind the fix adds, and ``when`` conditions over the facts of the message (so one message shape
can have several explanations, tried in order). The conditions read the registry lists of
``rules/registries.yaml``; the schema is ``rules/schema/diagnose.schema.json``.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from ekslint.kube.images import split_host_port
from ekslint.record import record

Facts = Mapping[str, str]
Condition = Callable[[Facts], bool]


@record(frozen=True)
class Pattern:
    """One known failure: what the message says, why it happens, what to change."""

    name: str
    regex: re.Pattern[str]
    title: str
    cause: str
    fix: str
    annotation: str | None = None  # "http" or "insecure": the fix adds the registry to it
    when: Condition | None = None


@functools.cache
def load_patterns() -> tuple[Pattern, ...]:
    """The patterns, most specific first: the first that matches (and whose ``when`` holds)
    explains a message."""
    from ekslint.data import load_validated, rules_dir

    data = load_validated(
        os.path.join(rules_dir(), "diagnose.yaml"), "diagnose", lambda data, path: None
    )
    return tuple(_pattern(raw) for raw in data["patterns"])


def _pattern(raw: dict[str, Any]) -> Pattern:
    return Pattern(
        name=raw["name"],
        regex=re.compile(_joined(raw["regex"]), re.IGNORECASE),
        title=raw["title"],
        cause=_joined(raw["cause"]),
        fix=_joined(raw["fix"]),
        annotation=raw.get("annotation"),
        when=_conditions(raw["when"]) if "when" in raw else None,
    )


def _joined(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _conditions(spec: Mapping[str, Any]) -> Condition:
    """All of ``spec``'s conditions, as one test over the facts."""
    tests = [_CONDITIONS[name](argument) for name, argument in spec.items()]
    return lambda facts: all(test(facts) for test in tests)


def _facts(expected: Mapping[str, str]) -> Condition:
    return lambda facts: all(facts.get(k) == v for k, v in expected.items())


def _registry_in(lists: list[str]) -> Condition:
    from ekslint.kube.registries import RegistryCatalog

    catalog = RegistryCatalog()
    named = [name for name in lists if name != "unknown"]

    def test(facts: Facts) -> bool:
        registry = facts.get("registry", "")
        if not registry:
            return "unknown" in lists
        return any(catalog.listed(name, registry) for name in named)

    return test


def _registry_has_port(wanted: bool) -> Condition:
    def test(facts: Facts) -> bool:
        registry = facts.get("registry", "")
        return bool(registry) and split_host_port(registry)[1] is not None

    return test if wanted else (lambda facts: not test(facts))


def _lookup(facts: Facts) -> str:
    return facts.get("lookup", "").lower().rstrip(".")


def _lookup_ends_with(suffixes: list[str]) -> Condition:
    ends = tuple(suffixes)
    return lambda facts: _lookup(facts).endswith(ends)


def _lookup_single_label(wanted: bool) -> Condition:
    return lambda facts: ("." not in _lookup(facts)) == wanted


def _has_any_fact(names: list[str]) -> Condition:
    return lambda facts: any(name in facts for name in names)


def _any(specs: list[Mapping[str, Any]]) -> Condition:
    tests = [_conditions(spec) for spec in specs]
    return lambda facts: any(test(facts) for test in tests)


_CONDITIONS: dict[str, Callable[[Any], Condition]] = {
    "facts": _facts,
    "registry-in": _registry_in,
    "registry-has-port": _registry_has_port,
    "lookup-ends-with": _lookup_ends_with,
    "lookup-single-label": _lookup_single_label,
    "has-any-fact": _has_any_fact,
    "any": _any,
}
