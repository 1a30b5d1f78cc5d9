"""What Kubernetes reads a plain scalar as (go-yaml v2's resolution): the character pre-test
that spares compiling the number patterns never changes the answer the patterns give."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekslint.input import yamlnodes
from ekslint.input.yamlnodes import plain_scalar_type


def by_patterns(value: str) -> str:
    """The resolution without the character pre-test."""
    if value in yamlnodes._NULL:
        return "null"
    if value in yamlnodes._BOOL:
        return "bool"
    if value[0].isdigit() or value[0] in "-+.":
        if re.fullmatch(yamlnodes._INT, value):
            return "int"
        if re.fullmatch(yamlnodes._FLOAT, value) and value not in {".", "-", "+"}:
            return "float"
    return "str"


# Characters of numbers, of words near them, and of image references.
_ALPHABET = "0123456789_+-.:boxXOBabcdefABCDEFinfINFNaAnNtTyYgz/@ "


@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=12))
def test_the_pre_test_keeps_the_patterns_answer(value: str) -> None:
    assert plain_scalar_type(value) == by_patterns(value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2", "int"),
        ("-17", "int"),
        ("0x1F", "int"),
        ("0o17", "int"),
        ("0b101", "int"),
        ("1_000", "int"),
        ("1:30", "int"),
        ("1.5", "float"),
        ("1e5", "float"),
        ("1.5E-3", "float"),
        (".inf", "float"),
        ("-.INF", "float"),
        (".NaN", "float"),
        ("10.16.100.174:5000/web:1.4.2", "str"),
        ("1.4.2", "str"),
        ("-", "str"),
        ("yes", "bool"),
        ("~", "null"),
    ],
)
def test_go_yaml_v2_resolution(value: str, kind: str) -> None:
    assert plain_scalar_type(value) == kind
