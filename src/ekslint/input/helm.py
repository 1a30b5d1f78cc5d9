"""Helm, seen from the input: raw chart templates, and the chart file a rendered document
came from.

A template action on a line of its own (``{{- if ...}}``, ``{{ include ... }}``) marks a raw
Helm template, which is not YAML until rendered: it is skipped with a note. ``{{ }}`` inside a
quoted value of a file that parses is an unresolved placeholder instead (EKS016's finding).
"""

from __future__ import annotations

import re

# A pattern string: re compiles it when first used (and keeps it), not at every import.
_ACTION_LINE = r"(?m)^[ \t]*(?:-[ \t]+)?\{\{"
# Linear: one attempt per line that starts with the marker, each scanning its line once (the
# lazy `(.+?)[ \t]*$` it replaces was quadratic in a long run of blanks). Trailing blanks are
# stripped after the match.
_SOURCE = r"(?m)^# Source: [ \t]*([^ \t\r\n][^\r\n]*)"  # compiled by re when first used
RAW_TEMPLATE_NOTE = (
    "raw Helm template (has {{ }} actions): skipped; lint the rendered output instead "
    "(helm template . | ekslint -)"
)


def may_be_template(text: str) -> bool:
    """Cheap first test: without ``{{`` a document is no template."""
    return "{{" in text


def is_raw_template(text: str) -> bool:
    return may_be_template(text) and re.search(_ACTION_LINE, text) is not None


def template_source(text: str) -> str | None:
    """The chart file named by ``helm template``'s ``# Source:`` comment, if any."""
    if "# Source:" not in text:  # a C scan, where the pattern's ^ is tried at every character
        return None
    found = re.search(_SOURCE, text)
    return found.group(1).rstrip(" \t") if found else None
