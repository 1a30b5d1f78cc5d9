"""A one-file run compiles no regular expression it can do without (each costs it a few tenths
of a percent of its instructions); what replaced them must agree with the expressions they
replaced, on any input."""

from __future__ import annotations

import fnmatch
import re

from hypothesis import given
from hypothesis import strategies as st

from ekslint.input import read
from ekslint.input.helm import is_values_name
from ekslint.kube.registries import HostPatterns

HOST_CHARS = "ab.-*?[]:"
hosts = st.text(alphabet="ab.-:\n", max_size=12)
globs = st.text(alphabet=HOST_CHARS, max_size=8)


@given(patterns=st.lists(globs, min_size=1, max_size=4), host=hosts)
def test_host_patterns_match_as_fnmatch(patterns: list[str], host: str) -> None:
    expected = re.compile("|".join(fnmatch.translate(p.lower()) for p in patterns))
    assert HostPatterns(patterns).match(host) == bool(expected.match(host))


@given(patterns=st.lists(globs, min_size=1, max_size=4))
def test_host_patterns_match_their_own_names(patterns: list[str]) -> None:
    for pattern in patterns:
        name = pattern.lower()
        if not any(char in name for char in "*?["):
            assert HostPatterns(patterns).match(name)


def test_the_shipped_lists_need_no_expression() -> None:
    from ekslint.data import registry_lists

    lists = registry_lists()
    named = [lists[key] for key in ("public", "tcr", "tcr-public-mirrors")]
    named += [group["registries"] for group in lists["tcr-public-repositories"]]
    for patterns in named:
        assert HostPatterns(patterns).others is None


CUT_FIRST_LINE = re.compile(rb"(?:(?:---|\.\.\.)(?=[ \t\r\n]|$)|%)", re.MULTILINE)


@given(data=st.binary(max_size=8).map(lambda b: b.replace(b"x", b"-")), end=st.integers(0, 9))
def test_a_first_cut_line_is_told_as_the_pattern_tells_it(data: bytes, end: int) -> None:
    end = min(end, len(data))
    expected = CUT_FIRST_LINE.match(data, 0, end) is not None
    assert (0 in set(read._cut_lines(data, end))) == expected


@given(st.sampled_from(["---", "...", "%", "--", "----", "...x", "--- a", "...\n", "%YAML"]))
def test_first_cut_line_examples(line: str) -> None:
    data = line.encode()
    expected = CUT_FIRST_LINE.match(data) is not None
    assert (0 in set(read._cut_lines(data))) == expected


VALUES_NAME = re.compile(r"^values[^/\\]*\.ya?ml\Z")


@given(st.text(alphabet="values.ymlx/\\-", max_size=16))
def test_values_names_as_the_pattern_tells_them(name: str) -> None:
    assert is_values_name(name) == bool(VALUES_NAME.match(name))


def _loads_as_json(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@given(st.text(alphabet=' \t\n\r-{}[]"0123456789.eE+tfnrulasNaIiy:,#x\ufeff', max_size=12))
def test_json_is_told_as_json_loads_tells_it(text: str) -> None:
    from ekslint.fix.guard import _is_json

    assert _is_json(text) == _loads_as_json(text)


JSON_EXAMPLES = ["{}", " [1]", "-1", "-Infinity", "NaN", '"a"', "true", "---\na: 1", "a: 1"]


@given(st.sampled_from(JSON_EXAMPLES))
def test_json_examples(text: str) -> None:
    from ekslint.fix.guard import _is_json

    assert _is_json(text) == _loads_as_json(text)
