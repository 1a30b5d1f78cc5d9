"""Helm, seen from the input: raw chart templates, the chart file a rendered document came
from, and a chart's values files (linted as such: kube/chartvalues.py).

A template action on a line of its own (``{{- if ...}}``, ``{{ include ... }}``) marks a raw
Helm template, which is not YAML until rendered: it is skipped with a note. ``{{ }}`` inside a
quoted value of a file that parses is an unresolved placeholder instead (EKS016's finding).
"""

from __future__ import annotations

import os
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


def is_values_name(name: str) -> bool:
    """``values*.yaml`` or ``values*.yml`` (a file name, no folder)."""
    return (
        name.startswith("values")
        and name.endswith((".yaml", ".yml"))
        and "/" not in name
        and "\\" not in name
    )


def chart_of(path: str) -> str | None:
    """The chart folder when ``path`` is a values file beside a Chart.yaml, else None."""
    if path == "-" or not is_values_name(os.path.basename(path)):
        return None
    folder = os.path.dirname(path) or "."
    return folder if os.path.isfile(os.path.join(folder, "Chart.yaml")) else None
