"""Inputs and outputs that are not ordinary files: an unreadable folder, a FIFO, an endless
device, a full disk. Each ends in a clear message and a definite exit code, never a hang, a
silent skip or a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import BAD_POD, run
from ekslint.input import read
from ekslint.lint.findings import InputError


def test_an_unreadable_folder_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.yaml").write_text(BAD_POD, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.yaml").write_text(BAD_POD, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # as for a folder without read permission (even as root)
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run([str(tmp_path), "--isolated"])
    assert result.code == 2
    assert f"{locked}: cannot read folder: Permission denied" in result.err  # no 0:0
    assert "1 input could not be read" in result.out


def test_a_fifo_in_a_folder_is_skipped_with_a_note(tmp_path: Path, deadline: None) -> None:
    (tmp_path / "ok.yaml").write_text(BAD_POD, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run([str(tmp_path), "--isolated"])
    assert result.code == 1
    assert "pipe.yaml: note: not a regular file (a FIFO, device or socket): skipped" in result.err
    assert "1 file checked" in result.out


def test_a_named_fifo_nobody_writes_does_not_block(tmp_path: Path, deadline: None) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run([str(tmp_path / "pipe.yaml"), "--isolated"])
    assert result.code == 0
    assert "1 file checked: no findings" in result.out


def test_an_endless_device_stops_at_the_document_bound(
    monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    monkeypatch.setattr(read, "MAX_DOCUMENT_BYTES", 1024 * 1024)
    result = run(["/dev/zero", "--isolated"])
    assert result.code == 2
    assert "/dev/zero:1:1: a document larger than 1 MiB" in result.err


def test_the_document_bound_counts_every_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(read, "MAX_DOCUMENT_BYTES", 1000)
    lines = b"---\na: 1\n" + b"# comment\n" * 200
    (problem,) = [
        c for c in read.iter_chunks(io.BytesIO(lines), "m.yaml") if isinstance(c, InputError)
    ]
    assert "larger than" in str(problem)
    small = b"---\na: 1\n" * 200  # many small documents are not bounded
    assert len(list(read.iter_chunks(io.BytesIO(small), "m.yaml"))) == 200


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_to_a_full_disk(tmp_path: Path, fmt: str) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(BAD_POD, encoding="utf-8")
    result = run([str(manifest), "--isolated", "--format", fmt, "--output", "/dev/full"])
    assert result.code == 2
    assert result.err.endswith("ekslint: cannot write /dev/full: No space left on device\n")


def test_stdout_on_a_full_disk(tmp_path: Path) -> None:
    import subprocess
    import sys

    manifest = tmp_path / "m.yaml"
    manifest.write_text(BAD_POD, encoding="utf-8")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "ekslint", str(manifest), "--isolated"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 2
    assert done.stderr == "ekslint: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_a_write_interrupted_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interruption: type[BaseException]
) -> None:
    """Ctrl-C, or a worker terminated by its parent (SIGTERM raises SystemExit there), while a
    fixed file is written: the file keeps its old text and no .ekslint-*.tmp is left behind."""
    import os

    from ekslint.fix import fixer

    target = tmp_path / "m.yaml"
    target.write_text("old\n")

    def interrupted(descriptor: int) -> None:
        raise interruption()

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(interruption):
        fixer.write_atomically(str(target), "new\n", os.stat(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]
    assert target.read_text() == "old\n"


def test_a_fix_temporary_file_is_new_and_private(tmp_path: Path) -> None:
    """What tempfile.mkstemp would make: a new name each time, created (never an existing
    file or symlink opened), readable by its owner only."""
    import os
    import stat

    from ekslint.fix.fixer import _create_temporary

    made = [_create_temporary(str(tmp_path)) for _ in range(3)]
    for handle, _ in made:
        os.close(handle)
    names = [os.path.basename(path) for _, path in made]
    assert len(set(names)) == 3
    assert all(name.startswith(".ekslint-") and name.endswith(".tmp") for name in names)
    assert all(stat.S_IMODE(os.stat(path).st_mode) == 0o600 for _, path in made)
