"""Regenerate the rules reference and the config reference in README.md from the data.

The README's rule sections come from ``rules/base/*.yaml`` as each pack in ``rules/platforms/``
words them, its platform table from those packs, and its config reference from
``rules/schema/config.schema.json``; a test fails when they are stale.
Run: ``python scripts/gen_readme.py`` (``--check`` only compares).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ekslint.config.settings import DEFAULT_PLATFORM  # noqa: E402
from ekslint.docs import fix_safety_text  # noqa: E402
from ekslint.lint.rulepack import available_platforms, load_platform  # noqa: E402

README = ROOT / "README.md"


def rules_section() -> str:
    platform = load_platform(DEFAULT_PLATFORM)
    out = ["| ID | name | severity | fix | finds |", "|---|---|---|---|---|"]
    for rule in platform.rules.values():
        fix = (rule.fix_safety or "") if rule.fix_available else "none"
        summary = rule.summary.replace("|", "\\|")
        out.append(
            f"| [{rule.id}](#{rule.id.lower()}) | {rule.name} | {rule.severity} | {fix} "
            f"| {summary} |"
        )
    out.append("")
    for rule in platform.rules.values():
        out += [
            f'<a id="{rule.id.lower()}"></a>',
            f"### {rule.id} {rule.name}",
            "",
            f"**{rule.severity}** · {rule.summary}",
            "",
            " ".join(rule.rationale.split()),
            "",
            f"**Fix:** {fix_safety_text(rule)} {rule.remediation}",
            "",
        ]
        settings = rule.examples.get("settings")
        if settings:
            flags = " ".join(f"--{k} {h}" for k, v in settings.items() for h in v)
            out += [f"Reported with `ekslint {flags}`:", ""]
        else:
            out += ["Reported:", ""]
        out += [
            "```yaml",
            rule.examples["fail"].rstrip(),
            "```",
            "",
            "Use instead:",
            "",
            "```yaml",
            rule.examples["pass"].rstrip(),
            "```",
            "",
        ]
    others = [p for p in available_platforms() if p != DEFAULT_PLATFORM]
    for name in others:
        pack = load_platform(name)
        out += [
            f"#### Platform `{name}` ({pack.title})",
            "",
            f"Keys: `{pack.annotations['http']}` (HTTP), `{pack.annotations['insecure']}` "
            "(self-signed TLS).",
            "",
            "| ID | name | same check as |",
            "|---|---|---|",
        ]
        base = load_platform(DEFAULT_PLATFORM)
        for rule in pack.rules.values():
            same = next(
                (
                    b.id
                    for b in base.rules.values()
                    if b.check == rule.check and b.params == rule.params
                ),
                "",
            )
            out.append(f"| {rule.id} | {rule.name} | {same} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def platforms_section() -> str:
    out = [
        "| `platform:` | plain HTTP | self-signed TLS | entries | rule IDs |",
        "|---|---|---|---|---|",
    ]
    for name in available_platforms():
        pack = load_platform(name)
        syntax = pack.list_syntax
        entries = "URLs or `host[:port]`" if syntax.scheme_allowed else "`host[:port]`"
        if syntax.max_entries:
            entries += f", at most {syntax.max_entries}"
        if syntax.all_allowed:
            entries += ", or `all`"
        ids = list(pack.rules)
        out.append(
            f"| `{name}` ({pack.title}) | `{pack.annotations['http']}` "
            f"| `{pack.annotations['insecure']}` | {entries} | {ids[0]}–{ids[-1]} |"
        )
    return "\n".join(out) + "\n"


def config_section() -> str:
    schema = json.loads((ROOT / "rules" / "schema" / "config.schema.json").read_text())
    out = ["| key | type | meaning |", "|---|---|---|"]
    for key, spec in schema["properties"].items():
        kind = spec.get("type") or (
            "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
            if "enum" in spec
            else "list of rule selectors"
        )
        out.append(f"| `{key}` | {kind} | {spec.get('description', '')} |")
    return "\n".join(out) + "\n"


def render(text: str) -> str:
    sections = (
        ("rules", rules_section()),
        ("platforms", platforms_section()),
        ("config", config_section()),
    )
    for name, body in sections:
        text = re.sub(
            rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)",
            lambda m, b=body: m.group(1) + b + m.group(2),
            text,
            flags=re.DOTALL,
        )
    return text


def main() -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in sys.argv:
        if fresh != current:
            print("README.md is stale: run python scripts/gen_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
