"""``ekslint rules``, ``ekslint rule ID`` and ``ekslint schema``: documentation from the data."""

from __future__ import annotations

import argparse
import json
import os

from ekslint.data import rules_dir
from ekslint.lint.rulepack import Rule, available_platforms, load_platform

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
        choices=available_platforms(),
        help="rule pack (default: the config file's platform, else tencent-eks)",
    )


def _configured_platform(chosen: str | None) -> str:
    """``--platform``, else the nearest config file's ``platform``, else the default."""
    if chosen:
        return chosen
    import os

    from ekslint.config.load import ConfigError, find_config, load_valid_config

    try:
        path = find_config(os.getcwd())
        data = load_valid_config(path).data if path else None
    except ConfigError:
        data = None  # a broken config is reported by a lint run; listing rules still works
    platform = data.get("platform") if isinstance(data, dict) else None
    return platform if isinstance(platform, str) else "tencent-eks"


def rules_command(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = argparse.ArgumentParser(prog="ekslint rules", description="List the rules.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _platform_arg(parser)
    args = parser.parse_args(argv)
    platform = load_platform(_configured_platform(args.platform))
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
    parser = argparse.ArgumentParser(prog="ekslint rule", description="Explain one rule.")
    parser.add_argument("rule", help="rule ID or name, e.g. EKS003 or annotation-missing-port")
    _platform_arg(parser)
    args = parser.parse_args(argv)
    for name in [_configured_platform(args.platform), *available_platforms()]:
        rule = load_platform(name).rule_by_name_or_id(args.rule.upper()) or load_platform(
            name
        ).rule_by_name_or_id(args.rule)
        if rule is not None:
            out.write(explain(rule))
            return 0
    err.write(f"ekslint: unknown rule {args.rule!r}; 'ekslint rules' lists them\n")
    return 2


def schema_command(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = argparse.ArgumentParser(
        prog="ekslint schema", description="Print a JSON Schema (for editors and CI)."
    )
    parser.add_argument(
        "which", nargs="?", default="config", choices=("config", "rule", "platform")
    )
    args = parser.parse_args(argv)
    with open(
        os.path.join(rules_dir(), "schema", f"{args.which}.schema.json"), encoding="utf-8"
    ) as f:
        out.write(f.read())
    return 0
