"""Work linear in the input (or bounded) where hostile input made it quadratic or endless.

Each test checks only results, on an input big enough that the old quadratic code took from
half a minute to hours: a regression shows as a suite that does not finish, not as a flaky
timing assertion.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from conftest import run
from ekslint import diagnose
from ekslint.diagnose import messages
from ekslint.input.read import Chunk

HTTP = "eks.tke.cloud.tencent.com/registry-http-endpoint"


def test_a_long_source_comment(tmp_path: Path) -> None:
    # 1 MB of blanks inside the `# Source:` line (the old pattern: 137 s for 100 KB).
    blanks = " \t" * 500_000
    text = (
        f"# Source: chart/{blanks}templates/pod.yaml{blanks}\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
        "spec: {containers: [{name: a, image: 'bad image'}]}\n"
    )
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    result = run([str(path), "--isolated", "--format", "json"])
    (finding,) = result.json["findings"]
    assert finding["source"] == f"chart/{blanks}templates/pod.yaml"


def test_port_less_entries_of_one_annotation(tmp_path: Path) -> None:
    # 10,000 entries without a port, 1,429 images using some of them with port 5000
    # (the old check: 27 s; it compared each port-less entry with every entry).
    hosts = [f"10.0.{i // 250}.{i % 250}" for i in range(10_000)]
    containers = "".join(
        f'    - {{name: c{i}, image: "{hosts[i]}:5000/a:1"}}\n' for i in range(0, 10_000, 7)
    )
    path = tmp_path / "m.yaml"
    path.write_text(
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n"
        f'    {HTTP}: "{",".join(hosts)}"\nspec:\n  containers:\n{containers}',
        encoding="utf-8",
    )
    result = run([str(path), "--isolated", "--select", "EKS003", "--format", "json"])
    (finding,) = result.json["findings"]
    assert finding["message"].count("has no port") == 1_429
    assert finding["fix"]["applicability"] == "safe"
    assert run([str(path), "--isolated", "--select", "EKS003", "--fix"]).code == 0
    fixed = path.read_text(encoding="utf-8")
    value = fixed.split(f"{HTTP}: ", 1)[1].split("\n", 1)[0].strip('"').split(",")
    with_port = {h for h in value if h.endswith(":5000")}
    assert with_port == {f"{hosts[i]}:5000" for i in range(0, 10_000, 7)}
    assert len(value) == 10_000


def test_an_unclosed_quoted_message_in_diagnose() -> None:
    # 1 MB after an unclosed quote (the old join: 80 s). The value ends at the bound.
    text = (
        'message: "Failed to pull image 10.0.0.1:5000/a:1: http: server gave HTTP response '
        "to HTTPS client\n" + ("word " * 15 + "\n") * 13_000
    )
    out = io.StringIO()
    code = diagnose.main([], io.StringIO(text), out, io.StringIO())
    assert code == 0, out.getvalue()
    assert "[http-registry]" in out.getvalue()
    assert "word" in out.getvalue()


def test_folded_messages_still_join_exactly() -> None:
    lines = iter(["  second part\\", '"tail end"', "next"])
    assert messages._folded_value('"first', '"', lines) == '"first second part"tail end"'
    assert next(lines) == "next"
    single = iter(["b ''c''", "d'", "after"])
    assert messages._folded_value("'a", "'", single) == "'a b ''c'' d'"
    unclosed = iter(["x"] * (messages.MAX_FOLDED_LINES + 10))
    joined = messages._folded_value('"a', '"', unclosed)
    assert joined.count("x") == messages.MAX_FOLDED_LINES
    assert len(list(unclosed)) == 10  # the rest of the log is read as lines of its own


def test_positions_with_a_lone_cr() -> None:
    # 400,000 positions in a 2 MB text (counting from the start each time: about a minute).
    rng = random.Random(7)
    text = "".join(rng.choice(("ab", "c\n", "\r", "d")) for _ in range(1_000_000))
    chunk = Chunk(0, 0, text)
    assert chunk.odd_breaks
    offsets = sorted(rng.randrange(len(text) + 1) for _ in range(400_000))
    line, line_start, at = 0, 0, 0
    for offset in offsets:
        while at < offset:
            if text[at] == "\n":
                line, line_start = line + 1, at + 1
            at += 1
        assert chunk.position(offset) == (line, offset - line_start)


def _config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> str:
    (tmp_path / ".ekslint.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "m.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EKSLINT_NO_CACHE", "1")
    result = run(["m.yaml"])
    assert result.code == 2, result.out
    return result.err


def test_a_recursive_alias_in_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    err = _config_error(
        tmp_path, monkeypatch, 'registries: &r\n  - {host: "a:5000", protocol: http}\n  - *r\n'
    )
    assert err == (
        f"ekslint: {tmp_path}/.ekslint.yaml:1:13: an alias refers to the node that contains it "
        "(a structure without end); write the values out\n"
    )


def test_an_alias_doubling_in_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 31)]
    err = _config_error(tmp_path, monkeypatch, "\n".join(lines) + "\n")
    assert err == (
        f"ekslint: {tmp_path}/.ekslint.yaml:16:6: aliases here expand the config by more "
        "than 100,000 nodes; write the values out\n"
    )


def test_a_shared_list_in_the_config_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".ekslint.yaml").write_text(
        'registries: &r [{host: "10.0.0.1:5000", protocol: http}]\nper-file-ignores: {}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run(["--show-settings"])
    assert result.code == 0, result.err


def test_a_large_config_stays_out_of_the_machine_wide_cache(tmp_path: Path) -> None:
    import marshal
    import os
    import subprocess
    import sys

    cache = tmp_path / "cache"
    big = tmp_path / "big" / ".ekslint.yaml"
    big.parent.mkdir()
    big.write_text(
        "registries:\n"
        + "".join(f'  - {{host: "r{i}.example.com", protocol: http}}\n' for i in range(20_000)),
        encoding="utf-8",
    )
    manifest = tmp_path / "m.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("EKSLINT_NO_CACHE", None)
    for config in (big, None):  # the large config's run, then another project's
        options = ["--config", str(config)] if config else ["--isolated"]
        done = subprocess.run(
            [sys.executable, "-m", "ekslint", *options, str(manifest)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    (cached,) = (cache / "ekslint").iterdir()
    assert cached.stat().st_size <= 2 * 1024 * 1024
    entries = marshal.loads(cached.read_bytes())
    assert str(big) not in entries
    assert any(key.endswith("workloads.yaml") for key in entries)  # the shipped data stays


def test_a_long_message_in_the_full_text_report() -> None:
    """A message echoing a huge value is wrapped in lines of about 120 characters, each break
    looked for only where it may fall (scanning the rest of the text each time took hours)."""
    from ekslint.report.text import FIRST_LINE, wrap

    text = "image (x" + "a, " * 1_000_000 + ")"
    lines = wrap(text)
    assert max(len(line) for line in lines) <= FIRST_LINE
    assert " ".join(lines) == text  # every break at a blank, kept by the join


@pytest.mark.slow
def test_thousands_of_suppression_comments(tmp_path: Path) -> None:
    # 15,000 findings and 10,000 suppression comments in one file: each finding used to be
    # matched against every comment (150 M comparisons).
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{n}}}\nspec:\n  containers:\n"
        "    - name: a\n      image: 10.0.0.1:5000/a:{n}{comment}\n"
    )
    documents = [
        pod.format(n=n, comment="  # ekslint: ignore[EKS001]" if n % 3 else "")
        for n in range(15_000)
    ]
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(documents), encoding="utf-8")
    result = run(
        [
            str(path),
            "--isolated",
            "--format",
            "json",
            "--jobs",
            "1",
            "--select",
            "EKS001,EKS018",
            "--http-registry",
            "10.0.0.1:5000",
        ]
    )
    found = result.json["findings"]
    assert len(found) == 5_000
    assert {f["rule"] for f in found} == {"EKS001"}
