"""Cutting a stream into document chunks: the block reader (one regular expression per block)
gives exactly what reading line by line gives, the reference below, for any stream and any
block size, including oversized documents, invalid UTF-8, directives and odd line breaks."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ekslint.input import read
from ekslint.input.read import Chunk, InputError

_MARKER = re.compile(rb"(?:---|\.\.\.)(?:[ \t\r\n]|$)")


def reference_chunks(stream: io.BytesIO, path: str, limit: int) -> Iterator[Chunk | InputError]:
    """The line-by-line reader ekslint had before (read.py at e1d468e), for comparison; one
    change: a UTF-16 file is named as such even when its first line is too long."""
    pending: list[bytes] = []
    pending_bytes = 0
    first_line = 0
    line_no = 0
    index = 0

    def flush() -> Chunk | InputError | None:
        nonlocal index, pending_bytes
        if not pending:
            return None
        data = b"".join(pending)
        pending.clear()
        pending_bytes = 0
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
        bom = index == 1 and text.startswith("\ufeff")
        return Chunk(index - 1, first_line, text[1:] if bom else text, bom)

    while raw := stream.readline(limit + 1):
        if index == 0 and line_no == 0 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            yield InputError(path, 1, 1, "file is UTF-16; Kubernetes manifests must be UTF-8")
            return
        if pending_bytes + len(raw) > limit:
            yield InputError(path, first_line + 1, 1, "too large")
            return
        if raw[:1] in (b"-", b".") and _MARKER.match(raw):
            if raw.startswith(b"..."):
                pending.append(raw)
                pending_bytes += len(raw)
                line_no += 1
                chunk = flush()
                first_line = line_no
            elif read._header_only(pending):
                chunk = None
                pending.append(raw)
                pending_bytes += len(raw)
                line_no += 1
            else:
                chunk = flush()
                first_line = line_no
                pending.append(raw)
                pending_bytes += len(raw)
                line_no += 1
            if chunk is not None:
                yield chunk
            continue
        if raw[:1] == b"%" and pending and not any(p[:1] == b"%" for p in pending):
            chunk = flush()
            first_line = line_no
            if chunk is not None:
                yield chunk
        pending.append(raw)
        pending_bytes += len(raw)
        line_no += 1
    chunk = flush()
    if chunk is not None:
        yield chunk


def _shape(item: Chunk | InputError) -> tuple[object, ...]:
    if isinstance(item, InputError):
        message = "too large" if "larger than" in item.message else item.message
        return ("error", item.line, item.column, message)
    return ("chunk", item.index, item.first_line, item.text, item.bom)


PIECES = [
    b"---",
    b"--- # start",
    b"--- !!map",
    b"---x",
    b"----",
    b"...",
    b"... # end",
    b"....",
    b"%YAML 1.1",
    b"%TAG ! tag:x,2000:",
    b"  %indented",
    b"# comment",
    b"#",
    b"",
    b"a: 1",
    b"- item",
    b"k: |",
    b"  text --- not a marker",
    b"b: 50%",
    b"\xef\xbb\xbfbom: 1",
    b"bad: \xff\xfe",
    b"x\ry",
    b"\xe4\xb8\xad: \xe6\x96\x87",
]
BREAKS = [b"\n", b"\r\n", b"\r", b""]


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(BREAKS)), max_size=30))
    data = b"".join(piece + brk for piece, brk in lines)
    if draw(st.booleans()):
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b""])) + data
    return data


@given(
    data=streams(),
    block=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]),
    limit=st.sampled_from([8, 40, 1 << 20]),
)
# Marker lines back to back, and one at the very end: the break after a marker is also the
# one before the next line, which a pattern matching both must not take twice.
@example(data=b"---\n---\n---\n", block=1 << 20, limit=1 << 20)
@example(data=b"a: 1\n...\n---\n%YAML 1.1\n---", block=1 << 20, limit=1 << 20)
@example(data=b"---\r\n---\r\n...\n...", block=3, limit=1 << 20)
def test_block_reader_cuts_as_the_line_reader(data: bytes, block: int, limit: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "READ_BLOCK", block)
        patch.setattr(read, "MAX_DOCUMENT_BYTES", limit)
        got = [_shape(c) for c in read.iter_chunks(io.BytesIO(data), "m.yaml")]
    want = [_shape(c) for c in reference_chunks(io.BytesIO(data), "m.yaml", limit)]
    assert got == want


def test_a_stream_is_read_a_block_at_a_time() -> None:
    """A 100-document stream is not read whole: every read asks for one block."""
    sizes: list[int] = []

    class Stream(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            sizes.append(-1 if size is None else size)
            return super().read(size)

    text = b"".join(b"---\nkind: Pod\nmetadata: {name: p%d}\n" % n for n in range(100))
    chunks = list(read.iter_chunks(Stream(text), "-"))
    assert len(chunks) == 100
    assert set(sizes) == {read.READ_BLOCK}
