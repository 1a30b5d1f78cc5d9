"""``--output-format concise``: the text report with one line per finding (no source lines)."""

from __future__ import annotations

from ekslint.report.text import write_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.report import RunReport


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    write_text(
        report, out, err, colour, quiet=report.quiet, statistics=report.statistics, full=False
    )
