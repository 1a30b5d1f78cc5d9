"""Reading ``ekslint diagnose``'s input into messages: a pasted error, ``kubectl describe pod``
output, ``kubectl get events -o yaml`` (long quoted values folded over lines), or the JSON of
``kubectl get events -o json`` / ``kubectl get pod -o json``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ekslint.record import record

_DESCRIBE_OBJECT_RE = re.compile(r"^(Name|Namespace):\s+(\S+)\s*$", re.MULTILINE)
_YAML_QUOTED_START_RE = re.compile(r"^\s*(?:-\s+)?(?:message|note):\s+(['\"])(?P<rest>.*)$")


@record
class Message:
    """One error message and where it came from."""

    text: str
    obj: dict[str, str] | None = None


def read_messages(text: str) -> Iterator[Message]:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        events = _json_messages(stripped)
        if events is not None:
            yield from events
            return
    yield from _text_messages(text)


def _json_messages(text: str) -> list[Message] | None:
    import json  # only when the input looks like JSON

    try:
        data = json.loads(text)
        out: list[Message] = []
        _walk_json(data, out)
    except (ValueError, RecursionError):
        return None
    return out


def _walk_json(node: Any, out: list[Message], owner: dict[str, str] | None = None) -> None:
    """Collect ``message``/``note`` strings: events (core/v1 ``involvedObject``, events.k8s.io
    ``regarding``) and objects such as a Pod, whose container states carry the pull error."""
    if isinstance(node, list):
        for item in node:
            _walk_json(item, out, owner)
        return
    if not isinstance(node, dict):
        return
    involved = node.get("involvedObject") or node.get("regarding")
    if isinstance(involved, dict):
        owner = _object_ref(involved)
    elif isinstance(node.get("kind"), str) and isinstance(node.get("metadata"), dict):
        owner = _object_ref({"kind": node["kind"], **node["metadata"]})
    for key in ("message", "note"):
        value = node.get(key)
        if isinstance(value, str) and value:
            out.append(Message(value, owner))
    for key, value in node.items():
        if key not in ("message", "note", "metadata") and isinstance(value, (dict, list)):
            _walk_json(value, out, owner)


def _object_ref(obj: dict[str, Any]) -> dict[str, str]:
    return {k: str(obj[k]) for k in ("kind", "name", "namespace") if obj.get(k)}


def _text_messages(text: str) -> Iterator[Message]:
    """One message per line; YAML-quoted ``message:`` values folded over lines are re-joined."""
    header: dict[str, str] = {}
    for found in _DESCRIBE_OBJECT_RE.finditer(text):
        header.setdefault(found.group(1), found.group(2))
    obj = None
    if "Name" in header:
        obj = {"kind": "Pod", "name": header["Name"]}
        if "Namespace" in header:
            obj["namespace"] = header["Namespace"]
    lines = iter(text.splitlines())
    for line in lines:
        start = _YAML_QUOTED_START_RE.match(line)
        if start is not None:  # kubectl -o yaml folds long quoted scalars at ~80 columns
            quote = start.group(1)
            line = _unquote(_folded_value(start.group("rest").rstrip(), quote, lines), quote)
        if line.strip():
            yield Message(line.strip(), obj)


# An unclosed quote must not join the rest of a log into one value, re-scanning it at every line
# (that was quadratic): a folded value ends after this many lines or characters. kubectl folds
# at about 80 columns, so real messages stay far below both.
MAX_FOLDED_LINES = 256
MAX_FOLDED_CHARS = 64 * 1024


def _folded_value(first: str, quote: str, lines: Iterator[str]) -> str:
    """A quoted scalar kubectl folded over several lines, joined again (bounded: see above)."""
    parts = [first]
    size = len(first)
    # Whether the value closes depends on its end only; after a space join, on the new line
    # only (a space ends every escape), so each line is checked once.
    segment = first
    for _ in range(MAX_FOLDED_LINES):
        if _closes(segment, quote) or size > MAX_FOLDED_CHARS:
            break
        more = next(lines, None)
        if more is None:
            break
        more = more.strip()
        if quote == '"' and parts[-1].endswith("\\"):  # escaped line break: no space
            parts[-1] = parts[-1][:-1]
            segment = segment[:-1] + more
        else:
            parts.append(" ")
            segment = more or segment
        parts.append(more)
        size += len(more) + 1
    return "".join(parts)


def _closes(rest: str, quote: str) -> bool:
    """Whether a YAML-quoted scalar ends in ``rest`` ('' escapes ' in single quotes)."""
    body = rest.rstrip()
    escapes = ("''",) if quote == "'" else ("\\\\", '\\"')
    for escape in escapes:
        body = body.replace(escape, "")
    return body.endswith(quote)


def _unquote(value: str, quote: str) -> str:
    value = value.rstrip()
    if value.endswith(quote):
        value = value[:-1]
    if quote == "'":
        return value.replace("''", "'")
    return value.replace('\\"', '"').replace("\\\\", "\\")
