"""Reading inputs: find manifest files and cut each one into document chunks.

A chunk is the text of one YAML document (from its ``---`` to the next). Cutting at document
markers before parsing is safe, because ``---``/``...`` at the start of a line always ends a
document, even inside a block scalar. It buys three things: memory bounded by the largest
document (a 100 MB stream is never held whole), a syntax error that loses only its own document,
and units of work small enough to share between processes.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Iterator

from ekslint.lint.findings import InputError, Note
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import BinaryIO

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
CONFIG_FILES = frozenset(
    {".ekslint.yaml", ".ekslint.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"}
)
_BOM = "\ufeff"


# What libyaml treats as a line break (YAML 1.1): CRLF, a lone LF or CR, NEL, LS and PS.
# Editors and Python's ``str.find("\\n")`` see fewer; edits must see exactly these, or a line
# they delete or insert after is not the line libyaml reads.
# A pattern string: re compiles it when first used (and keeps it), not at every import.
_BREAK = "\r\n|[\r\n\x85\u2028\u2029]"
BREAK_CHARS = "\r\n\x85\u2028\u2029"


def _none() -> None:
    return None


@record
class Chunk:
    """One document's text, where it sits in its input, and how its lines break: what a check
    needs for positions and a fix for edits."""

    index: int  # 0-based, in the input
    first_line: int  # 0-based line of the chunk's first line in the whole input
    text: str
    bom: bool = False  # the input started with a UTF-8 byte order mark (removed from text)
    newline: str = field(default_factory=str, init=False)  # the break new lines are written with
    odd_breaks: bool = field(default_factory=bool, init=False)  # breaks editors do not count
    # Computed when first needed:
    _starts: list[int] | None = field(default_factory=_none, init=False)  # when odd_breaks
    _json: bool | None = field(default_factory=_none, init=False)
    _newlines: list[int] | None = field(default_factory=_none, init=False)  # for position()

    def __post_init__(self) -> None:
        text = self.text
        lone_cr = 0
        if "\r" in text:  # else every break is a LF (counting them is 2% of a lint)
            crlf = text.count("\r\n")
            lone_cr, lone_lf = text.count("\r") - crlf, text.count("\n") - crlf
            # New lines are written with the break most lines already use.
            self.newline = "\r\n" if crlf > lone_lf and crlf >= lone_cr else "\n"
            if lone_cr > max(crlf, lone_lf):
                self.newline = "\r"
        else:
            self.newline = "\n"
        self.odd_breaks = lone_cr > 0 or (
            not text.isascii() and any(c in text for c in "\x85\u2028\u2029")
        )

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer(_BREAK, self.text)]
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, column) of a character offset for the report, counting only \\n as a
        break, as editors and ``grep -n`` do (libyaml's marks count every break)."""
        if self._newlines is None:
            self._newlines = [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._newlines, offset)
        return line, offset - (self._newlines[line - 1] if line else 0)

    def line_start(self, offset: int) -> int:
        if not self.odd_breaks:
            return self.text.rfind("\n", 0, offset) + 1
        starts = self._line_starts()
        return starts[bisect.bisect_right(starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset just after the line break of the line holding ``offset``."""
        if not self.odd_breaks:
            end = self.text.find("\n", offset)
            return len(self.text) if end < 0 else end + 1
        starts = self._line_starts()
        index = bisect.bisect_right(starts, offset)
        return starts[index] if index < len(starts) else len(self.text)

    def at_line_start(self, offset: int) -> bool:
        """Does ``offset`` start a line (right after a break, or at the start of the text)?"""
        if offset == 0:
            return True
        if self.text[offset - 1] == "\r" and self.text[offset : offset + 1] == "\n":
            return False  # between the CR and the LF of one CRLF
        return self.text[offset - 1] in BREAK_CHARS

    @property
    def is_json(self) -> bool:
        """Is the chunk a JSON document? Its edits must then write JSON."""
        if self._json is None:
            import json  # only fixes need it

            try:
                json.loads(self.text)
                self._json = True
            except ValueError:
                self._json = False
        return self._json

    def ends_with_break(self) -> bool:
        return bool(self.text) and self.text[-1] in BREAK_CHARS

    def break_before(self, offset: int) -> int:
        """Length of the line break that ends right before ``offset`` (0 if none)."""
        if self.text[max(offset - 2, 0) : offset] == "\r\n":
            return 2
        return 1 if offset > 0 and self.text[offset - 1] in BREAK_CHARS else 0


def discover(
    paths: Iterable[str],
    excluded: object = None,
    errors: list[InputError] | None = None,
    notes: list[Note] | None = None,
    empty: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """Yield manifest files under ``paths`` in a stable order; ``-`` passes through.

    ``excluded``: exclude patterns, or a function telling whether a path is excluded. A folder
    is listed by git inside a work tree (ignored files left out), else walked; tool folders
    (``.venv``, ``node_modules``, ...) are skipped, and so are JSON files that are not
    Kubernetes objects (editor settings, ``package.json``). ``empty(path)`` is called for a
    folder that holds no manifest.

    A folder that cannot be listed is an error (appended to ``errors``): skipping it would
    report a clean run over files never read. A walked name that is not a regular file (a FIFO,
    a device, a socket) is skipped with a note: opening a FIFO waits for a writer, and a device
    can be endless. A file named on the command line is read whatever it is (``<(helm
    template .)`` is a pipe), within the bounds of ``iter_chunks``.
    """
    from ekslint.config.settings import is_excluded as matches
    from ekslint.input.project import list_files

    def is_excluded(path: str) -> bool:
        return bool(excluded(path) if callable(excluded) else matches(path, excluded))

    def unreadable(exc: OSError) -> None:
        if errors is not None:
            name = exc.filename if isinstance(exc.filename, str) else str(exc.filename)
            reason = exc.strerror or str(exc)
            errors.append(InputError(name, 0, 0, f"cannot read folder: {reason}"))

    for raw in paths:
        if raw == "-":
            yield raw
            continue
        if os.path.isdir(raw):
            found = False
            for full in list_files(raw, onerror=unreadable):
                name = os.path.basename(full)
                if (
                    name.endswith(MANIFEST_SUFFIXES)
                    and name not in CONFIG_FILES
                    and not is_excluded(full)
                    and (not name.endswith(".json") or _may_be_kubernetes_json(full))
                ):
                    found = True
                    if _regular(full):
                        yield full
                    elif notes is not None:
                        notes.append(
                            Note(full, "not a regular file (a FIFO, device or socket): skipped")
                        )
            if not found and empty is not None:
                empty(raw)
        else:
            # Files named explicitly are linted whatever their suffix (pre-commit passes names).
            if not is_excluded(raw) or not os.path.exists(raw):
                yield raw


def _regular(path: str) -> bool:
    """A regular file, or a name that fails to stat (opening it reports why)."""
    import stat

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


# The API server refuses objects over about 3 MiB, but a `kind: List` from `kubectl get` can be
# far larger and a 100 MB document must still be read. A document (or line) past this is not a
# manifest but, say, /dev/zero: reading stops with an error instead of growing until memory runs
# out. A stream of many documents is not bounded: it is read a document at a time.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024

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


# A line that may end a document's chunk: a document marker, or a directive (``%YAML``). The
# pattern starts with the line break before the line (a block's first line is matched on its
# own): sre scans for a literal first character quickly, where ``^`` is tried at every byte
# (4.7 times slower on a 20 MB stream).
# What follows a marker is looked at, not consumed: it may be the break before the next line.
_CUT_LINE = re.compile(rb"\n(?:(?:---|\.\.\.)(?=[ \t\r\n]|$)|%)", re.MULTILINE)
# Bytes read at a time: marker lines are found by one regular expression over each block, not
# by a Python loop over its lines.
READ_BLOCK = 1 << 20
# The errors after which iter_chunks reads no further.
REST_NOT_READ = "the rest of the input is not read"
_UTF16 = "file is UTF-16; Kubernetes manifests must be UTF-8"


def ends_reading(error: InputError) -> bool:
    """Is this an error of ``iter_chunks`` after which it read nothing more of its input?"""
    return error.message == _UTF16 or error.message.endswith(REST_NOT_READ)


def _starts_cut_line(data: bytes, end: int) -> bool:
    """Does ``data[:end]`` start with a line ``_CUT_LINE`` matches after its line break? (Told
    without a second pattern: compiling one costs a one-file run more than it saves.)"""
    if data.startswith(b"%", 0, end):
        return True
    if not data.startswith((b"---", b"..."), 0, end):
        return False
    return end <= 3 or data[3:4] in (b" ", b"\t", b"\r", b"\n")


def _cut_lines(data: bytes, end: int | None = None) -> Iterator[int]:
    """The offsets of the lines of ``data[:end]`` (whole lines) that may end a chunk: each
    starts with ``%`` or is a document marker."""
    end = len(data) if end is None else end
    if _starts_cut_line(data, end):
        yield 0
    for match in _CUT_LINE.finditer(data, 0, end):
        yield match.start() + 1


def iter_chunks(
    stream: BinaryIO, path: str, first_line: int = 0, index: int = 0
) -> Iterator[Chunk | InputError]:
    """Split a byte stream into document chunks, decoding each as UTF-8.

    Lines are what ``readline`` cuts (at ``\\n``). A ``---`` line starts a chunk, unless what
    came before it is only directives and comments (its header); a ``...`` line ends one; a
    directive line starts one when the chunk so far holds none.

    ``first_line`` and ``index``: where the stream starts in its input (the first line and the
    index of its first chunk), when it is one of the runs ``document_runs`` cuts: the chunks
    then have the lines and indexes they have in the whole input.
    """
    pending: list[bytes] = []  # the current chunk's complete lines, as read
    pending_bytes = 0
    directive = False  # does the current chunk hold a directive line?
    line_no = first_line  # of the next line to add

    def flush() -> Chunk | InputError | None:
        nonlocal index, pending_bytes, directive
        if not pending:
            return None
        data = b"".join(pending)
        pending.clear()
        pending_bytes = 0
        directive = False
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

    def too_large() -> InputError:
        return InputError(
            path,
            first_line + 1,
            1,
            f"a document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB: "
            f"not a Kubernetes manifest; {REST_NOT_READ}",
        )

    tail = b""  # an incomplete last line, completed by the next block
    started = False
    while True:
        block = stream.read(READ_BLOCK if started else max(READ_BLOCK, 2))  # 2: a UTF-16 BOM
        if not started and block:
            started = True
            if block.startswith((b"\xff\xfe", b"\xfe\xff")):
                yield InputError(path, 1, 1, _UTF16)
                return
        data = tail + block if tail else block
        if block:
            cut = data.rfind(b"\n") + 1
            tail, data = data[cut:], data[:cut]
        else:
            tail = b""  # the end: the last line needs no break
        position = 0
        for start in _cut_lines(data):
            if start > position:  # the lines before this one join the current chunk
                if pending_bytes + start - position > MAX_DOCUMENT_BYTES:
                    yield too_large()
                    return
                pending.append(data[position:start])
                pending_bytes += start - position
                line_no += data.count(b"\n", position, start)
            end = data.find(b"\n", start) + 1 or len(data)
            line = data[start:end]
            position = end
            if pending_bytes + len(line) > MAX_DOCUMENT_BYTES:
                yield too_large()
                return
            chunk: Chunk | InputError | None = None
            if line[:1] == b"%":
                if pending and not directive:  # a directive starts the next document's header
                    chunk = flush()
                    first_line = line_no
                directive = True
            elif line.startswith(b"..."):
                pending.append(line)
                pending_bytes += len(line)
                line_no += 1
                chunk = flush()
                first_line = line_no
                if chunk is not None:
                    yield chunk
                continue
            elif not (
                any(b"%" in piece for piece in pending)
                and _header_only(b"".join(pending).split(b"\n"))
            ):  # unless `%YAML`/`%TAG` directives before it belong to the document it starts
                chunk = flush()
                first_line = line_no
            pending.append(line)
            pending_bytes += len(line)
            line_no += 1
            if chunk is not None:
                yield chunk
        if position < len(data):
            if pending_bytes + len(data) - position > MAX_DOCUMENT_BYTES:
                yield too_large()
                return
            pending.append(data[position:])
            pending_bytes += len(data) - position
            line_no += data.count(b"\n", position)
        if not block:
            break
        if pending_bytes + len(tail) > MAX_DOCUMENT_BYTES:  # a line longer than a document
            yield too_large()
            return
    chunk = flush()
    if chunk is not None:
        yield chunk


# About this much of the input is read at a time when cutting it into runs.
_SCAN_BLOCK = 1 << 20
_SCAN_LINE = 4 << 20  # a longer line ends the cutting (what is held of it is bounded)


def document_runs(stream: BinaryIO, target: int) -> Iterator[tuple[int, int, int]]:
    """Where to cut a byte stream into runs of whole documents of about ``target`` bytes, so
    that worker processes can each read only their own runs: yields ``(offset, first_line,
    index)`` of each run's start (the first is ``(0, 0, 0)``). ``iter_chunks`` over the bytes
    of a run, given its ``first_line`` and ``index``, yields exactly the chunks it yields for
    that part of the whole stream.

    A run starts only at a ``---`` line where ``iter_chunks`` starts a new chunk with nothing
    held over (not one that ends a ``%YAML`` header). The chunks and lines before a cut are
    counted without decoding anything: by ``bytes.find`` for the lines that start with ``---``,
    ``...`` or ``%``, replaying ``iter_chunks``' rules on them; the lines between matter only
    while the pending chunk could still be a header of directives and comments. A line longer
    than a few blocks (a minified JSON document) ends the cutting: the rest is one run.
    """
    yield 0, 0, 0
    offset = 0  # of data[0] in the stream
    lines, counted = 0, 0  # line breaks before data[counted]
    index = 0  # chunks flushed so far
    last_cut = 0
    # The pending chunk: has lines; holds a line starting with `%`; has only blank lines,
    # comments and directives so far; holds a directive (``_header_only`` is clean and directive).
    nonempty, percent, clean, directive = False, False, True, False
    carry = b""
    while True:
        block = stream.read(_SCAN_BLOCK)
        data = carry + block if carry else block
        end = len(data)
        if block:
            end = data.rfind(b"\n") + 1  # whole lines only; the rest waits for the next block
            if end == 0:
                if len(data) > _SCAN_LINE:
                    return
                carry = data
                continue
        elif not data:
            return
        carry = data[end:]
        position = 0  # start of the first line not yet replayed
        for start in _cut_lines(data, end):  # the lines iter_chunks cuts at, as it finds them
            if start > position:
                nonempty = True
                if clean:
                    clean, directive = _still_header(data[position:start], directive)
            head = data[start : start + 3]
            if head == b"...":
                index += 1
                nonempty, percent, clean, directive = False, False, True, False
            elif head == b"---":
                if clean and directive:
                    clean = False  # a header's `---`: the document it starts goes on
                else:
                    if offset + start - last_cut >= target:
                        last_cut = offset + start
                        lines += data.count(b"\n", counted, start)
                        counted = start
                        yield last_cut, lines, index + nonempty
                    index += nonempty
                    nonempty, percent, clean, directive = True, False, False, False
            else:  # a directive (`%`)
                if nonempty and not percent:
                    index += 1
                    clean = True
                nonempty = percent = directive = True
            position = (data.find(b"\n", start, end) + 1) or end
        if position < end:
            nonempty = True
            if clean:
                clean, directive = _still_header(data[position:end], directive)
        lines += data.count(b"\n", counted, end)
        offset += end
        counted = 0
        if not block:
            return


def _still_header(data: bytes, directive: bool) -> tuple[bool, bool]:
    """Whether lines that follow a pending header keep it one (``_header_only``'s rule), and
    whether it then holds a directive."""
    for line in data.split(b"\n"):
        stripped = line.strip()
        if stripped.startswith(b"%"):
            directive = True
        elif stripped and not stripped.startswith(b"#"):
            return False, directive
    return True, directive


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
    # Opening a FIFO for reading waits until something opens it for writing, which may be
    # never: open without waiting, then read normally (a FIFO nobody writes reads as empty).
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # POSIX only; Windows has no FIFOs to wait on
    descriptor = os.open(path, os.O_RDONLY | nonblocking)
    try:
        import stat

        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            import errno

            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if nonblocking and not stat.S_ISREG(mode):  # (reading a regular file never waits)
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
