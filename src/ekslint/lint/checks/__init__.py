"""Check functions, referenced by name from the rule files in ``rules/``.

A check receives its rule (for params and metadata), its subject (a pod or an object) and the
context, and yields what it reports: a ``Finding``, or a pending finding (``ekslint.lint.deferred``)
when whether it stands depends on documents not read yet. One function serves every rule, in
every platform pack, whose logic is the same; the rule file says which function and with which
params.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ekslint.lint.context import Context
from ekslint.lint.findings import Finding
from ekslint.lint.rulepack import Rule

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any

    from ekslint.lint.deferred import Pending

    CheckFunction = Callable[[Rule, Any, Context], Iterable[Finding | Pending]]
CHECKS: dict[str, CheckFunction] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[name] = function
        return function

    return register


def load_all() -> dict[str, CheckFunction]:
    from ekslint.lint.checks import coverage, images, metadata, pullsecrets, values  # noqa: F401

    return CHECKS
