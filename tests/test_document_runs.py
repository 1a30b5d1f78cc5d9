"""Cutting an input into runs of documents (``read.document_runs``) for worker processes: each
run, read on its own from its offset, gives exactly the chunks the whole input gives there."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekslint.input import read

LINES = [
    b"---\n",
    b"--- \n",
    b"---\r\n",
    b"--- !tag\n",
    b"---x\n",
    b"--x\n",
    b"-\n",
    b"- item\n",
    b"...\n",
    b"... # end\n",
    b"...x\n",
    b"%YAML 1.1\n",
    b"%TAG ! tag:x,2000:\n",
    b"  %indented\n",
    b"# comment\n",
    b"  # comment\n",
    b"\n",
    b"   \n",
    b"a: 1\n",
    b"kind: Pod\n",
    b"  text: |\n",
    b"    ---not a marker\n",
    b"\xef\xbb\xbfa: 1\n",
    b"bad: \xff\n",
    b"lone\rcr: 1\n",
    b"x: y",  # no line break: the last line of an input
    b"---",
    b"...",
]


def whole(data: bytes) -> list[object]:
    return list(read.iter_chunks(io.BytesIO(data), "f.yaml"))


def by_runs(data: bytes, target: int) -> list[object]:
    cuts = list(read.document_runs(io.BytesIO(data), target))
    assert cuts[0] == (0, 0, 0)
    offsets = [offset for offset, _, _ in cuts]
    assert offsets == sorted(set(offsets))
    chunks: list[object] = []
    for number, (offset, line, index) in enumerate(cuts):
        end = cuts[number + 1][0] if number + 1 < len(cuts) else len(data)
        assert data[offset : offset + 3] == b"---" or offset == 0
        run = io.BytesIO(data[offset:end])
        chunks.extend(read.iter_chunks(run, "f.yaml", line, index))
    return chunks


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=60),
    st.integers(min_value=1, max_value=80),
    st.sampled_from([1, 3, 7, 64, 1 << 20]),
)
def test_runs_read_alone_give_the_chunks_of_the_whole(
    lines: list[bytes], target: int, block: int
) -> None:
    data = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines[:-1])
    data += lines[-1] if lines else b""
    saved = read._SCAN_BLOCK
    read._SCAN_BLOCK = block
    try:
        assert by_runs(data, target) == whole(data)
    finally:
        read._SCAN_BLOCK = saved


def test_a_stream_of_documents_is_cut_at_the_first_document_past_the_target() -> None:
    document = b"---\n# Source: x\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    b\n"
    data = document * 1000
    cuts = list(read.document_runs(io.BytesIO(data), 10_000))
    per_run = -(-10_000 // len(document))  # documents in a run: the first past 10,000 bytes
    assert [offset for offset, _, _ in cuts] == list(range(0, len(data), per_run * len(document)))
    for offset, line, index in cuts:
        assert index == offset // len(document)
        assert line == data.count(b"\n", 0, offset)
    assert by_runs(data, 10_000) == whole(data)


def test_no_cut_inside_a_header_of_directives() -> None:
    data = b"a: 1\n" * 10 + b"%YAML 1.1\n# c\n---\nb: 2\n" + b"---\nc: 3\n"
    cuts = list(read.document_runs(io.BytesIO(data), 1))
    assert data.index(b"---\nb") not in [offset for offset, _, _ in cuts]
    assert data.index(b"---\nc") in [offset for offset, _, _ in cuts]
    assert by_runs(data, 1) == whole(data)


def test_a_very_long_line_ends_the_cutting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_SCAN_LINE", 1000)
    monkeypatch.setattr(read, "_SCAN_BLOCK", 64)
    data = b"---\na: 1\n---\n" + b"x" * 2000 + b"\n---\nb: 2\n"
    cuts = list(read.document_runs(io.BytesIO(data), 1))
    assert cuts == [(0, 0, 0), (9, 2, 1)]
