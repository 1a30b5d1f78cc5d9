"""The last check before a fixed text is kept: does it still mean what the original meant?

Both texts are read again the way the linter reads them (PyYAML on libyaml), and their data must
be equal but for what fixes are there to change:

- in ``annotations`` and ``labels`` of any ``metadata``, the platform's keys (its prefix):
  registry annotations added, rewritten, renamed from a misspelling, moved off other metadata;
- an annotation value that is not a string may become the string that reads back as it
  (``true`` -> ``"true"``, ``key:`` -> ``""``);
- ``imagePullSecrets`` may appear where there was none (absent, null or ``[]``);
- an ``image`` on hub.docker.com (Docker Hub's web site, never pullable) may become the
  docker.io reference it meant, and nothing else;
- an empty or null ``metadata``, ``annotations`` or ``labels`` counts as absent (fixes create
  them to hold an annotation, and remove them when a move leaves them empty);
- pod metadata of custom resources counts as ``metadata`` wherever its carrier keeps it
  (``spec.driver`` of a SparkApplication, ``spec.patchPodMetadata[0]`` of a SidecarSet), and the
  mappings or list a fix creates on the way to it (``spec.podTemplate`` of a FlinkDeployment)
  count as absent while they hold nothing else.

On top of the data: the same number of documents, no duplicate key the original did not have
(PyYAML keeps the last of two silently; kubectl rejects them), and a JSON document stays JSON.
Comparison walks the composed node graphs (no Python values are constructed, so no tag or
malformed timestamp can make it fail) once per pair of nodes: aliases cost nothing extra and a
recursive alias terminates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ekslint.kube.images import docker_hub_meant

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time (of every fix worker); mypy reads these
    from typing import Any

_Loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_RESOLVER: Any = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SECTIONS = ("annotations", "labels")

# A scalar compares as its resolved tag and its text: no Python value is constructed (a
# constructor raises on `2020-13-45`, `!!int x` or an unknown tag; these compare as written).
Scalar = tuple[str, str]
# Texts and verdicts a Guard remembers: a chunk's rounds (at most the fixer's MAX_ROUNDS) fit.
_REMEMBERED = 16


class Guard:
    """Compares the data of a document chunk before and after fixing."""

    def __init__(
        self,
        prefix: str,
        keys: frozenset[str] = frozenset(),
        sections_anywhere: frozenset[str] = frozenset(),
        pod_metadata: Callable[[Node], Iterable[str]] | None = None,
    ) -> None:
        self.prefix = prefix
        self.keys = keys  # the platform's annotation keys, whatever their prefix
        # Keys holding annotations wherever they are, not only in metadata (a chart's values:
        # podAnnotations).
        self.sections_anywhere = sections_anywhere
        # Paths (``spec.driver``) of a document's pod metadata that is not at ``*.metadata``.
        self.pod_metadata = pod_metadata
        self._paths: frozenset[str] = frozenset()
        self._chains: frozenset[str] = frozenset()
        self._verdicts: dict[tuple[str, str], str | None] = {}
        self._texts: dict[str, list[Node]] = {}
        self._duplicates_of: dict[str, Counter[str]] = {}

    def unintended_change(self, before: str, after: str) -> str | None:
        """None when ``after`` differs from ``before`` only as fixes may; else what differs."""
        # The fixer asks about the same pair twice (a round's fixes, then the chunk's sum when
        # one round did it) and reads each round's text twice: both are remembered, briefly.
        key = (before, after)
        if key not in self._verdicts:
            if len(self._verdicts) >= _REMEMBERED:
                self._verdicts.clear()
            self._verdicts[key] = self._judge(before, after)
        return self._verdicts[key]

    def _judge(self, before: str, after: str) -> str | None:
        try:
            old = self._read(before)
        except (yaml.YAMLError, RecursionError):
            return "the original cannot be read again to compare"
        try:
            new = self._read(after)
        except (yaml.YAMLError, RecursionError) as exc:
            return f"the fixed text does not parse ({_first_line(exc)})"
        if len(old) != len(new):
            return f"{len(old)} documents became {len(new)}"
        if _is_json(before) and not _is_json(after):
            return "a JSON document would no longer be JSON"
        new_duplicates = self._duplicates(after)
        if new_duplicates:  # the original's are counted only then (most texts have none)
            added = new_duplicates - self._duplicates(before)
            if added:
                return f"duplicate key {next(iter(added))!r}"
        for number, (before_doc, after_doc) in enumerate(zip(old, new, strict=True), start=1):
            self._learn_paths(before_doc, after_doc)
            problem = self._compare(before_doc, after_doc)
            if problem is not None:
                return problem if len(old) == 1 else f"document {number}: {problem}"
        return None

    def documents(self, text: str) -> list[Node] | None:
        """The documents of ``text`` as the comparison reads them; None if it does not parse."""
        try:
            return self._read(text)
        except (yaml.YAMLError, RecursionError):
            return None

    def _read(self, text: str) -> list[Node]:
        """The documents of ``text``; raises what composing raises."""
        if text not in self._texts:
            if len(self._texts) >= _REMEMBERED:
                self._texts.clear()
                self._duplicates_of.clear()
            self._texts[text] = list(yaml.compose_all(text, Loader=_Loader))
        return self._texts[text]

    def _duplicates(self, text: str) -> Counter[str]:
        """The duplicate keys of ``text``, once it has been read."""
        if text not in self._duplicates_of:
            self._duplicates_of[text] = _duplicate_keys(self._read(text))
        return self._duplicates_of[text]

    def _learn_paths(self, before: Node | None, after: Node | None) -> None:
        paths: set[str] = set()
        if self.pod_metadata is not None:
            for node in (before, after):
                if node is not None:
                    paths.update(self.pod_metadata(node))
        chains: set[str] = set()
        for path in paths:
            for at, char in enumerate(path):
                if char in ".[":
                    chains.add(path[:at])
        self._paths, self._chains = frozenset(paths), frozenset(chains - paths)

    def _role(self, where: str, default: str) -> str:
        if where in self._paths:
            return "metadata"
        if where in self._chains:
            return "chain"
        return default

    def _allowed_key(self, key: object) -> bool:
        return (
            isinstance(key, tuple)
            and key[0] == _STR
            and (key[1].startswith(self.prefix) or key[1] in self.keys)
        )

    def _compare(self, before: Node | None, after: Node | None) -> str | None:
        # (before, after, path, role): role is "metadata", "annotations", "labels" or "".
        stack: list[tuple[Node | None, Node | None, str, str]] = [(before, after, "", "")]
        seen: set[tuple[int, int, str]] = set()
        while stack:
            old, new, path, role = stack.pop()
            if role == "chain" and _none_or_empty(old) and isinstance(new, SequenceNode):
                # A list created to hold pod metadata (a SidecarSet's patchPodMetadata).
                for index, item in enumerate(new.value):
                    stack.append(
                        (None, item, f"{path}[{index}]", self._role(f"{path}[{index}]", ""))
                    )
                continue
            if role in ("metadata", "chain", *_SECTIONS):
                # Absent, null and `{}` are one thing here: compare as mappings.
                old, new = _absent_as_empty(old), _absent_as_empty(new)
            if old is None or new is None:
                return f"{path or 'the document'} was {'added' if old is None else 'removed'}"
            mark = (id(old), id(new), role)
            if mark in seen:
                continue
            seen.add(mark)
            if isinstance(old, MappingNode) and isinstance(new, MappingNode):
                problem = self._compare_mapping(old, new, path, role, stack)
                if problem:
                    return problem
            elif isinstance(old, SequenceNode) and isinstance(new, SequenceNode):
                if len(old.value) != len(new.value):
                    return f"{path} had {len(old.value)} items, now {len(new.value)}"
                if old.tag != new.tag:
                    return f"{path} changed"
                for index, pair in enumerate(zip(old.value, new.value, strict=True)):
                    where = f"{path}[{index}]"
                    stack.append((pair[0], pair[1], where, self._role(where, "")))
            elif not (
                isinstance(old, ScalarNode)
                and isinstance(new, ScalarNode)
                and _scalar(old) == _scalar(new)
            ):
                return f"{path or 'the document'} changed"
        return None

    def _compare_mapping(
        self,
        old_node: MappingNode,
        new_node: MappingNode,
        path: str,
        role: str,
        stack: list[tuple[Node | None, Node | None, str, str]],
    ) -> str | None:
        if old_node.tag != new_node.tag:
            return f"{path or 'the document'} changed"
        old, new = _entries(old_node), _entries(new_node)
        for key in list(old) + [k for k in new if k not in old]:
            before, after = old.get(key), new.get(key)  # None: absent
            name = key[1] if isinstance(key, tuple) else "<key>"
            where = f"{path}.{name}" if path else name
            if role in _SECTIONS:
                if self._allowed_key(key):
                    continue
                # A value quoted by a fix (EKS011); one left as it was is compared as usual.
                if role == "annotations" and _not_string(before) and not _not_string(after):
                    if not _reads_back_as(after, before):
                        return f"{where} changed"
                    continue
            if (
                name == "imagePullSecrets"
                and _none_or_empty(before)
                and (after is None or _is_null(after) or isinstance(after, SequenceNode))
            ):
                continue
            if (
                name == "image"
                and isinstance(before, ScalarNode)
                and isinstance(after, ScalarNode)
                and after.tag == _STR
                and after.value == docker_hub_meant(str(before.value))
            ):
                continue
            child = ""
            if name == "metadata":
                child = "metadata"
            elif role == "metadata" and name in _SECTIONS:
                child = name
            elif name in self.sections_anywhere:
                child = "annotations"
            stack.append((before, after, where, self._role(where, child)))
        return None


def _scalar(node: ScalarNode) -> Scalar:
    return str(node.tag), str(node.value)


def _entries(node: MappingNode) -> dict[object, Node]:
    """A mapping's entries with merge keys applied: its own keys win, then each merged mapping
    in order (the last of two equal own keys wins, as PyYAML reads it; duplicates are reported
    on their own)."""
    own: dict[object, Node] = {}
    merged: dict[object, Node] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == _MERGE:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if isinstance(source, MappingNode):
                    for name, entry in _entries(source).items():
                        merged.setdefault(name, entry)
            continue
        own[_key(key)] = value
    return {**merged, **own}


def _key(node: Node) -> object:
    if isinstance(node, ScalarNode):
        return _scalar(node)
    return ("<complex>", id(node))  # a collection as a key: equal only to itself


_EMPTY = MappingNode("tag:yaml.org,2002:map", [])  # one node: the walk's memo keys on ids


def _absent_as_empty(node: Node | None) -> Node:
    return _EMPTY if node is None or _is_null(node) else node


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL


def _none_or_empty(node: Node | None) -> bool:
    return node is None or _is_null(node) or (isinstance(node, SequenceNode) and not node.value)


def _not_string(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag != _STR


def _reads_back_as(text: Node | None, value: Node | None) -> bool:
    """Is ``text`` a string scalar that, written plain, reads as the scalar ``value`` (the
    null ``key:`` as ``""``)?"""
    if not (isinstance(text, ScalarNode) and text.tag == _STR and isinstance(value, ScalarNode)):
        return False
    if value.tag == _NULL:
        return text.value in ("", value.value)
    resolved = _RESOLVER.resolve(ScalarNode, text.value, (True, False))
    return bool(resolved == value.tag and text.value == value.value)


# What a JSON text can start with (after blanks; after a minus, a number's digits or
# Python's -Infinity): a manifest starting otherwise (`---`, `apiVersion:`, a comment) is
# told from JSON without importing json.
_JSON_STARTS = frozenset('{["0123456789tfnNI')


def _is_json(text: str) -> bool:
    stripped = text.lstrip(" \t\n\r")
    first = stripped[1:2] if stripped[:1] == "-" else stripped[:1]
    if first not in _JSON_STARTS:
        return False
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _duplicate_keys(roots: list[Node]) -> Counter[str]:
    """Each key written twice in one mapping, as many times as it repeats."""
    found: Counter[str] = Counter()
    seen: set[int] = set()
    stack = [root for root in roots if root is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            pairs = node.value
            keys = [k.value for k, _ in pairs if isinstance(k, ScalarNode) and k.tag != _MERGE]
            if len(set(keys)) < len(keys):  # rare: counted only then
                names = Counter(str(key) for key in keys)
                found.update({name: n - 1 for name, n in names.items() if n > 1})
            for pair in pairs:
                stack.extend(pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return found


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0]
