"""Reading inputs: find manifest files and cut each one into document chunks.

A chunk is the text of one YAML document (from its ``---`` to the next). Cutting at document
markers before parsing is safe, because ``---``/``...`` at the start of a line always ends a
document, even inside a block scalar. It buys three things: memory bounded by the largest
document (a 100 MB stream is never held whole), a syntax error that loses only its own document,
and units of work small enough to share between processes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator

from ekslint.lint.findings import InputError
from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import BinaryIO

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
CONFIG_FILES = frozenset(
    {".ekslint.yaml", ".ekslint.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"}
)
_BOM = "\ufeff"


class Chunk(Record):
    __slots__ = ("bom", "first_line", "index", "text")

    def __init__(self, index: int, first_line: int, text: str, bom: bool = False) -> None:
        self.index = index
        self.first_line = first_line  # 0-based line of the chunk's first line in the whole input
        self.text = text
        self.bom = bom  # the input started with a UTF-8 byte order mark (removed from text)


def discover(
    paths: Iterable[str],
    excluded: object = None,
    empty: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """Yield manifest files under ``paths`` in a stable order; ``-`` passes through.

    ``excluded``: exclude patterns, or a function telling whether a path is excluded. A folder
    is listed by git inside a work tree (ignored files left out), else walked; tool folders
    (``.venv``, ``node_modules``, ...) are skipped, and so are JSON files that are not
    Kubernetes objects (editor settings, ``package.json``). ``empty(path)`` is called for a
    folder that holds no manifest.
    """
    from ekslint.config.settings import is_excluded as matches
    from ekslint.input.project import list_files

    def is_excluded(path: str) -> bool:
        return bool(excluded(path) if callable(excluded) else matches(path, excluded))

    for raw in paths:
        if raw == "-":
            yield raw
            continue
        if os.path.isdir(raw):
            found = False
            for full in list_files(raw):
                name = os.path.basename(full)
                if (
                    name.endswith(MANIFEST_SUFFIXES)
                    and name not in CONFIG_FILES
                    and not is_excluded(full)
                    and (not name.endswith(".json") or _may_be_kubernetes_json(full))
                ):
                    found = True
                    yield full
            if not found and empty is not None:
                empty(raw)
        else:
            # Files named explicitly are linted whatever their suffix (pre-commit passes names).
            if not is_excluded(raw) or not os.path.exists(raw):
                yield raw


MAX_JSON_SCAN = 4_000_000  # bytes of a walked JSON file searched for apiVersion and kind


def _may_be_kubernetes_json(path: str) -> bool:
    """A JSON file found in a folder is a manifest only if it names an apiVersion and a kind;
    others (JSON with comments from an editor, package.json, lock files) are not read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_SCAN)
    except OSError:
        return True  # let linting report why it cannot be read
    return b'"apiVersion"' in data and b'"kind"' in data


_MARKER = re.compile(rb"(?:---|\.\.\.)(?:[ \t\r\n]|$)")


def iter_chunks(stream: BinaryIO, path: str) -> Iterator[Chunk | InputError]:
    """Split a byte stream into document chunks, decoding each as UTF-8."""
    pending: list[bytes] = []
    first_line = 0
    line_no = 0
    index = 0

    def flush() -> Chunk | InputError | None:
        nonlocal index
        if not pending:
            return None
        data = b"".join(pending)
        pending.clear()
        index += 1
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            line = first_line + before.count(b"\n")
            col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace"))
            return InputError(
                path, line + 1, col + 1, f"invalid UTF-8 byte 0x{data[exc.start]:02x}"
            )
        bom = index == 1 and text.startswith(_BOM)
        return Chunk(index - 1, first_line, text[1:] if bom else text, bom)

    for raw in stream:
        if index == 0 and line_no == 0 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            yield InputError(path, 1, 1, "file is UTF-16; Kubernetes manifests must be UTF-8")
            return
        if raw[:1] in (b"-", b".") and _MARKER.match(raw):
            if raw.startswith(b"..."):
                pending.append(raw)
                line_no += 1
                chunk = flush()
                first_line = line_no
            elif _header_only(pending):
                chunk = None  # `%YAML`/`%TAG` directives belong to the document they start
                pending.append(raw)
                line_no += 1
            else:
                chunk = flush()
                first_line = line_no
                pending.append(raw)
                line_no += 1
            if chunk is not None:
                yield chunk
            continue
        if raw[:1] == b"%" and pending and not any(p[:1] == b"%" for p in pending):
            # A directive starts the next document's header.
            chunk = flush()
            first_line = line_no
            if chunk is not None:
                yield chunk
        pending.append(raw)
        line_no += 1
    chunk = flush()
    if chunk is not None:
        yield chunk


def _header_only(lines: list[bytes]) -> bool:
    """Directives, with only comments and blank lines around them."""
    has_directive = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(b"%"):
            has_directive = True
        elif stripped and not stripped.startswith(b"#"):
            return False
    return has_directive


def open_input(path: str) -> BinaryIO:
    if path == "-":
        import sys

        return sys.stdin.buffer
    return open(path, "rb")
