"""Reports: one module per format, each with a ``write`` of the same signature.

``write(report, out, err, colour)`` writes the report to ``out``; what the format has no place for
(inputs that could not be read, in formats without one) goes to ``err``. ``colour`` is the
``--color`` choice, which only the text format uses. A format is imported only when it is chosen.
"""

from __future__ import annotations

from collections import Counter

from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from typing import TextIO

    from ekslint.lint.findings import Finding, InputError, Note
    from ekslint.lint.rulepack import Platform

    Writer = Callable[["RunReport", TextIO, TextIO, str], None]

# Format name -> the module whose ``write`` produces it; the first is the default.
FORMATS = {
    "text": "ekslint.report.text",  # the full form: source line, caret, fix
    "full": "ekslint.report.text",
    "concise": "ekslint.report.concise",  # one line per finding
    "json": "ekslint.report.json",
    "sarif": "ekslint.report.sarif",
    "github": "ekslint.report.github",
    "gitlab": "ekslint.report.gitlab",
    "junit": "ekslint.report.junit",
}


def writer(name: str) -> Writer:
    # __import__ with a fromlist returns the submodule itself; importing importlib for
    # import_module would cost a one-file run 0.6 M instructions.
    write: Writer = __import__(FORMATS[name], fromlist=["write"]).write
    return write


@record
class RunReport:
    """What a run found and did, for a format to write."""

    platform: Platform
    severities: dict[str, str]  # rule ID -> severity
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files: int = 0
    fixed: list[Finding] = field(default_factory=list)
    fix_mode: bool = False  # --fix: fixes were written, not only offered
    unsafe_fixes: bool = False
    configured: frozenset[str] = frozenset()  # rules whose severity the configuration set
    # Files under another config file than the first input's, with its severities.
    severities_by_path: dict[str, dict[str, str]] = field(default_factory=dict, init=False)
    paths: list[str] = field(default_factory=list, init=False)  # the inputs' display names
    quiet: bool = field(default_factory=bool, init=False)  # text: findings and errors only
    # text: a count per rule in place of the findings
    statistics: bool = field(default_factory=bool, init=False)
    # The text findings refer to where it is not the file on disk (--diff, a fixed stream).
    texts: dict[str, str] = field(default_factory=dict, init=False)

    def severity(self, finding: Finding) -> str:
        # Imported here: the linter has loaded it by now; `--version` and diagnose need not.
        from ekslint.lint.selection import finding_severity

        severities = self.severities_by_path.get(finding.path, self.severities)
        return finding_severity(
            severities.get(finding.rule, "warning"),
            finding.severity,
            finding.rule in self.configured,
        )

    def fixable(self, finding: Finding) -> bool:
        fix = finding.fix
        return fix is not None and (fix.applicability == "safe" or self.unsafe_fixes)

    def summary(self) -> dict[str, object]:
        by_severity = Counter(self.severity(f) for f in self.findings)
        by_rule = Counter(f.rule for f in self.findings)
        return {
            "files": self.files,
            "findings": len(self.findings),
            "errors": by_severity.get("error", 0),
            "warnings": by_severity.get("warning", 0),
            "by_rule": dict(sorted(by_rule.items())),
            "fixed": len(self.fixed),
            "fixable": sum(1 for f in self.findings if self.fixable(f)),
            "unreadable_inputs": len(self.errors),
        }
