"""The last check before a fixed text is kept: does it still mean what the original meant?

Both texts are read again the way the linter reads them (PyYAML on libyaml), and their data must
be equal but for what fixes are there to change:

- in ``annotations`` and ``labels`` of any ``metadata``, the platform's keys (its prefix):
  registry annotations added, rewritten, renamed from a misspelling, moved off other metadata;
- an annotation value that is not a string may become the string that reads back as it
  (``true`` -> ``"true"``, ``key:`` -> ``""``);
- ``imagePullSecrets`` may appear where there was none (absent, null or ``[]``);
- an empty or null ``metadata``, ``annotations`` or ``labels`` counts as absent (fixes create
  them to hold an annotation, and remove them when a move leaves them empty).

On top of the data: the same number of documents, no duplicate key the original did not have
(PyYAML keeps the last of two silently; kubectl rejects them), and a JSON document stays JSON.
Comparison follows the composed graph once per pair of nodes, so aliases cost nothing extra and
a recursive alias terminates.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_MISSING = object()
_SECTIONS = ("annotations", "labels")


class Guard:
    """Compares the data of a document chunk before and after fixing."""

    def __init__(self, prefix: str, keys: frozenset[str] = frozenset()) -> None:
        self.prefix = prefix
        self.keys = keys  # the platform's annotation keys, whatever their prefix

    def unintended_change(self, before: str, after: str) -> str | None:
        """None when ``after`` differs from ``before`` only as fixes may; else what differs."""
        try:
            old = list(yaml.load_all(before, Loader=_Loader))
        except (yaml.YAMLError, RecursionError):
            return None  # the linter read the original with its own composer; nothing to compare
        try:
            new = list(yaml.load_all(after, Loader=_Loader))
        except (yaml.YAMLError, RecursionError) as exc:
            return f"the fixed text does not parse ({_first_line(exc)})"
        if len(old) != len(new):
            return f"{len(old)} documents became {len(new)}"
        if _is_json(before) and not _is_json(after):
            return "a JSON document would no longer be JSON"
        added = _duplicate_keys(after) - _duplicate_keys(before)
        if added:
            return f"duplicate key {next(iter(added))!r}"
        for number, (before_doc, after_doc) in enumerate(zip(old, new, strict=True), start=1):
            problem = self._compare(before_doc, after_doc)
            if problem is not None:
                return problem if len(old) == 1 else f"document {number}: {problem}"
        return None

    def _allowed_key(self, key: object) -> bool:
        return isinstance(key, str) and (key.startswith(self.prefix) or key in self.keys)

    def _compare(self, before: object, after: object) -> str | None:
        # (before, after, path, role): role is "metadata", "annotations", "labels" or "".
        stack: list[tuple[object, object, str, str]] = [(before, after, "", "")]
        seen: set[tuple[int, int, str]] = set()
        while stack:
            old, new, path, role = stack.pop()
            if role in ("metadata", *_SECTIONS):
                old = {} if old is None or old is _MISSING else old
                new = {} if new is None or new is _MISSING else new
            if old is _MISSING or new is _MISSING:
                return f"{path or 'the document'} was {'added' if old is _MISSING else 'removed'}"
            mark = (id(old), id(new), role)
            if isinstance(old, (dict, list)) and mark in seen:
                continue
            seen.add(mark)
            if isinstance(old, dict) and isinstance(new, dict):
                problem = self._compare_mapping(old, new, path, role, stack)
                if problem:
                    return problem
            elif isinstance(old, list) and isinstance(new, list):
                if len(old) != len(new):
                    return f"{path} had {len(old)} items, now {len(new)}"
                for index, pair in enumerate(zip(old, new, strict=True)):
                    stack.append((pair[0], pair[1], f"{path}[{index}]", ""))
            elif not _same_scalar(old, new):
                return f"{path or 'the document'} changed"
        return None

    def _compare_mapping(
        self,
        old: dict[Any, Any],
        new: dict[Any, Any],
        path: str,
        role: str,
        stack: list[tuple[object, object, str, str]],
    ) -> str | None:
        for key in list(old) + [k for k in new if k not in old]:
            before, after = old.get(key, _MISSING), new.get(key, _MISSING)
            where = f"{path}.{key}" if path else str(key)
            if role in _SECTIONS:
                if self._allowed_key(key):
                    continue
                if role == "annotations" and before is not _MISSING and not isinstance(before, str):
                    if not _reads_back_as(after, before):
                        return f"{where} changed"
                    continue
            if (
                key == "imagePullSecrets"
                and before in (_MISSING, None, [])
                and (after in (_MISSING, None) or isinstance(after, list))
            ):
                continue
            child = ""
            if key == "metadata":
                child = "metadata"
            elif role == "metadata" and key in _SECTIONS:
                child = key
            stack.append((before, after, where, child))
        return None


def _reads_back_as(text: object, value: object) -> bool:
    """Is ``text`` a string that, written plain, YAML reads as ``value``?"""
    if not isinstance(text, str):
        return False
    try:
        return _same_scalar(yaml.load(text, Loader=_Loader), value)
    except yaml.YAMLError:
        return False


def _same_scalar(a: object, b: object) -> bool:
    if type(a) is not type(b):  # True == 1 in Python, not in YAML
        return False
    return a == b or (isinstance(a, float) and a != a and b != b)  # NaN equals NaN here


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _duplicate_keys(text: str) -> Counter[str]:
    """Each key written twice in one mapping, as many times as it repeats."""
    found: Counter[str] = Counter()
    seen: set[int] = set()
    for root in yaml.compose_all(text, Loader=_Loader):
        stack = [root]
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                names = Counter(
                    str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)
                )
                found.update({name: n - 1 for name, n in names.items() if n > 1})
                stack.extend(n for pair in node.value for n in pair)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
    return found


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0]
