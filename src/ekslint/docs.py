"""``ekslint rules``, ``ekslint rule ID`` and ``ekslint schema``: documentation from the data."""

from __future__ import annotations

import argparse
import json
import os

from ekslint.cliparser import Parser
from ekslint.config.load import configured_platform
from ekslint.config.settings import DEFAULT_PLATFORM
from ekslint.data import rules_dir
from ekslint.lint.rulepack import Platform, Rule, RuleDataError, available_platforms, load_platform

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO


def fix_safety_text(rule: Rule) -> str:
    if not rule.fix_available:
        return "No automatic fix."
    kind = {
        "safe": "Safe fix, applied by --fix.",
        "unsafe": "Unsafe fix, applied only with --fix --unsafe-fixes.",
        "conditional": "Safe fix when the conditions below hold, applied by --fix; otherwise none.",
    }.get(rule.fix_safety or "safe", "")
    return f"{kind} {rule.fix_description}".strip()


def explain(rule: Rule) -> str:
    lines = [
        f"{rule.id} ({rule.name}) [{rule.severity}]",
        "",
        "What it does",
        f"  {rule.summary}",
        "",
        "Why is this bad?",
        *(f"  {line}" for line in rule.rationale.splitlines()),
        "",
        "How to fix it",
        f"  {rule.remediation}",
        "",
        "Fix safety",
        f"  {fix_safety_text(rule)}",
    ]
    if rule.examples.get("fail"):
        lines += ["", "Example (reported)", *(f"  {x}" for x in rule.examples["fail"].splitlines())]
    if rule.examples.get("pass"):
        lines += ["", "Use instead", *(f"  {x}" for x in rule.examples["pass"].splitlines())]
    return "\n".join(lines) + "\n"


def _platform_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        help=f"rule pack: {', '.join(available_platforms())}, a pack named in the config's "
        "platform-packs, or a pack file (default: the config file's platform, else "
        f"{DEFAULT_PLATFORM})",
    )


def _load(name: str, err: TextIO) -> Platform | None:
    try:
        return load_platform(name)
    except RuleDataError as exc:
        err.write(f"ekslint: {exc}\n")
        return None


def rules_command(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = Parser(prog="ekslint rules", description="List the rules.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _platform_arg(parser)
    args = parser.parse_args(argv)
    platform = _load(configured_platform(args.platform), err)
    if platform is None:
        return 2
    if args.format == "json":
        json.dump(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "severity": r.severity,
                    "summary": r.summary,
                    "fix": {"available": r.fix_available, "safety": r.fix_safety},
                }
                for r in platform.rules.values()
            ],
            out,
            indent=2,
        )
        out.write("\n")
        return 0
    for rule in platform.rules.values():
        fix = (
            {"safe": "fix", "unsafe": "unsafe fix", "conditional": "fix*"}.get(
                rule.fix_safety or "", ""
            )
            if rule.fix_available
            else ""
        )
        out.write(f"{rule.id}  {rule.name:36} {rule.severity:8} {fix:10} {rule.summary}\n")
    return 0


def rule_command(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = Parser(prog="ekslint rule", description="Explain one rule.")
    parser.add_argument("rule", help="rule ID or name, e.g. EKS003 or annotation-missing-port")
    _platform_arg(parser)
    args = parser.parse_args(argv)
    for name in [configured_platform(args.platform), *available_platforms()]:
        platform = _load(name, err)
        if platform is None:
            return 2
        rule = platform.rule_by_name_or_id(args.rule.upper()) or platform.rule_by_name_or_id(
            args.rule
        )
        if rule is not None:
            out.write(explain(rule))
            return 0
    from ekslint.report.escape import display

    err.write(display(f"ekslint: unknown rule {args.rule!r}; 'ekslint rules' lists them") + "\n")
    return 2


def schema_command(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = Parser(prog="ekslint schema", description="Print a JSON Schema (for editors and CI).")
    parser.add_argument(
        "which", nargs="?", default="config", choices=("config", "rule", "platform")
    )
    args = parser.parse_args(argv)
    with open(
        os.path.join(rules_dir(), "schema", f"{args.which}.schema.json"), encoding="utf-8"
    ) as f:
        out.write(f.read())
    return 0
