"""``--output-format junit``: JUnit XML, for CI systems that show test reports (Jenkins,
GitLab, Azure Pipelines, ...).

One ``<testsuite>`` per linted file, holding one failed ``<testcase>`` per finding (its name
the rule and position, its classname the file, the message in the ``<failure>``) or, for a
clean file, one passing test case; a file that cannot be read has an ``<error>``. The counts on
``<testsuites>`` and each ``<testsuite>`` are those of the elements inside.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.report import RunReport

_XML_UNSAFE = {c: "?" for c in range(32) if chr(c) not in "\t\n\r"}  # not allowed in XML 1.0


def _text(value: str) -> str:
    return value.translate(_XML_UNSAFE)


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    suites = ET.Element("testsuites", name="ekslint")
    by_path: dict[str, ET.Element] = {}

    def suite(path: str) -> ET.Element:
        if path not in by_path:
            by_path[path] = ET.SubElement(suites, "testsuite", name=_text(path))
        return by_path[path]

    for path in report.paths:
        suite(path)

    for finding in report.findings:
        severity = report.severity(finding)
        case = ET.SubElement(
            suite(finding.path),
            "testcase",
            name=_text(f"{finding.rule} at line {finding.line}, column {finding.column}"),
            classname=_text(finding.path),
            file=_text(finding.path),
            line=str(finding.line),
        )
        failure = ET.SubElement(
            case,
            "failure",
            message=_text(finding.message.splitlines()[0]),
            type=_text(f"{finding.rule} {severity}"),
        )
        failure.text = _text(
            f"{finding.path}:{finding.line}:{finding.column}: {finding.rule} [{severity}] "
            f"{finding.message}"
        )
    for error in report.errors:
        case = ET.SubElement(
            suite(error.path), "testcase", name="read", classname=_text(error.path)
        )
        element = ET.SubElement(case, "error", message=_text(error.message), type="input-error")
        element.text = _text(str(error))
    for path, element in by_path.items():
        if not len(element):
            ET.SubElement(element, "testcase", name="no findings", classname=_text(path))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for element in suites:
        counts = {
            "tests": len(element),
            "failures": len(element.findall("testcase/failure")),
            "errors": len(element.findall("testcase/error")),
        }
        for key, value in counts.items():
            element.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
    for error in report.errors:  # also on stderr, for the person reading the job's log
        err.write(f"{error}\n")
