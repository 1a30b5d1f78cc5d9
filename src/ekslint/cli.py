"""Command line: ``ekslint [options] PATH...`` and the ``rules``, ``rule``, ``schema`` and
``diagnose`` commands. ``main(argv) -> int`` is what tests and the console script call."""

from __future__ import annotations

import argparse
import sys

from ekslint import __version__, exitcodes

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.config.settings import Settings

COMMANDS = ("rules", "rule", "schema", "diagnose", "export", "server")


def lint_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ekslint",
        description="Find and fix image-pull failures in Kubernetes manifests for Tencent Cloud "
        "EKS (and other serverless-container platforms), offline.",
        epilog="Other commands: 'ekslint rules', 'ekslint rule ID', 'ekslint schema', "
        "'ekslint diagnose TEXT', 'ekslint export TARGET', 'ekslint server' (language server). "
        "Exit codes: 0 clean, 1 findings, 2 usage/config error or unreadable input.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to lint ('-' for stdin; default: .)",
    )
    parser.add_argument(
        "--kustomize",
        metavar="DIR",
        help="render DIR with kubectl kustomize (or kustomize build) and lint the result, "
        "reporting and fixing each finding in the file it came from",
    )
    parser.add_argument("--version", action="version", version=f"ekslint {__version__}")
    from ekslint.report import FORMATS

    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=list(FORMATS), default="text")
    out.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    out.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    out.add_argument(
        "--show-settings",
        action="store_true",
        help="print the effective settings and where each came from, then exit",
    )
    fix = parser.add_argument_group("fixing")
    fix.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fix.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff and write nothing"
    )
    fix.add_argument(
        "--fix-outside-links",
        action="store_true",
        help="also fix files that a symlink leads to outside the paths given",
    )
    fix.add_argument(
        "--fix-read-only",
        action="store_true",
        help="also fix files their owner has no write permission for",
    )
    adopt = parser.add_argument_group("adopting ekslint on an existing repository")
    adopt.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings not accepted in FILE (written by --write-baseline)",
    )
    adopt.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="accept every current finding: write their fingerprints to FILE, exit 0",
    )
    adopt.add_argument(
        "--add-suppressions",
        metavar="REASON",
        help="accept every current finding with '# ekslint: ignore[ID] REASON' on its line "
        "(JSON files: an entry in the --baseline FILE, default .ekslint-baseline.json)",
    )
    conf = parser.add_argument_group("configuration")
    conf.add_argument("--config", metavar="PATH", help="config file (default: search upwards)")
    conf.add_argument(
        "--isolated",
        action="store_true",
        help="do not search for a config file (an explicit --config still applies)",
    )
    from ekslint.config.settings import DEFAULT_PLATFORM
    from ekslint.lint.rulepack import available_platforms

    conf.add_argument(
        "--platform",
        help=f"rule pack: {', '.join(available_platforms())} (default: {DEFAULT_PLATFORM}), a pack "
        "in the config's platform-packs, or the path of a pack file",
    )
    conf.add_argument(
        "--http-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="declare a registry that serves plain HTTP (repeatable)",
    )
    conf.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="declare a registry with a self-signed certificate (repeatable)",
    )
    conf.add_argument(
        "--trusted-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="declare a registry with a trusted certificate (repeatable)",
    )
    conf.add_argument("--select", metavar="IDS", help="comma-separated rule IDs, prefixes, names")
    conf.add_argument("--ignore", metavar="IDS", help="comma-separated rule IDs, prefixes, names")
    conf.add_argument("--stdin-filename", metavar="NAME", help="name for '-' in reports")
    conf.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        help="worker processes (default: automatic, 1 for small inputs)",
    )
    return parser


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    args_list = sys.argv[1:] if argv is None else list(argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        if args_list and args_list[0] in COMMANDS:
            return _command(args_list[0], args_list[1:], out, err)
        return _lint(args_list, out, err)
    except KeyboardInterrupt:
        err.write("ekslint: interrupted\n")
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`ekslint ... | head`): the report was cut short, so do not
        # claim a clean run; and keep Python from complaining about stdout at exit.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exitcodes.FINDINGS


def _command(name: str, rest: list[str], out: TextIO, err: TextIO) -> int:
    if name == "diagnose":
        from ekslint import diagnose

        return diagnose.main(rest, sys.stdin, out, err)
    if name == "export":
        from ekslint import export

        return export.main(rest, out, err)
    if name == "server":
        from ekslint import server

        return server.main(rest, err)
    from ekslint import docs

    if name == "rules":
        return docs.rules_command(rest, out, err)
    if name == "rule":
        return docs.rule_command(rest, out, err)
    return docs.schema_command(rest, out, err)


def build_settings(args: argparse.Namespace) -> Settings:
    """Defaults, then the config file (``--config``, or the nearest one unless ``--isolated``),
    then the command line; every rule selector is checked against the platform's rules."""
    import os

    from ekslint.config.load import (
        ConfigError,
        check_settings,
        find_config,
        resolve_platform,
        settings_from_file,
    )

    path = None
    if args.config:
        if not os.path.isfile(args.config):
            raise ConfigError(f"{args.config}: config file not found")
        path = args.config
    elif not args.isolated:
        path = find_config(os.getcwd())
    settings, source = settings_from_file(path)
    if args.platform:
        settings.platform = resolve_platform(args.platform, settings.platform_packs, os.getcwd())
        settings.origins["platform"] = "--platform"
    for flag, protocol in (
        ("http_registry", "http"),
        ("insecure_registry", "https-self-signed"),
        ("trusted_registry", "https"),
    ):
        for host in getattr(args, flag):
            settings.declare(host, protocol, "--" + flag.replace("_", "-"))
    for flag in ("select", "ignore"):
        value = getattr(args, flag)
        if value:
            setattr(settings, flag, [w.strip() for w in value.split(",") if w.strip()])
            settings.origins[flag] = f"--{flag}"
    check_settings(settings, source)
    return settings


def _lint(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = lint_parser()
    args = parser.parse_args(argv)
    if args.kustomize and args.paths:
        parser.error("--kustomize DIR lints what DIR renders; give no PATH with it")
    adopting = [
        flag
        for flag, value in (
            ("--write-baseline", args.write_baseline),
            ("--add-suppressions", args.add_suppressions),
        )
        if value is not None
    ]
    if adopting and (args.fix or args.diff or len(adopting) > 1):
        parser.error(f"{adopting[0]} cannot be combined with --fix, --diff or another of them")
    if args.kustomize and (adopting or args.baseline):
        # Rendered output has no lines of its own to comment or fingerprint stably.
        parser.error(
            "--kustomize cannot be combined with --baseline, --write-baseline or "
            "--add-suppressions; lint the kustomization's files instead"
        )
    from ekslint.config.load import ConfigError
    from ekslint.lint.rulepack import RuleDataError

    try:
        settings = build_settings(args)
        from ekslint.run import Run, RunOptions

        run = Run(
            RunOptions(
                settings,
                paths=args.paths,
                fix=args.fix,
                unsafe_fixes=args.unsafe_fixes,
                diff=args.diff,
                format=args.format,
                output=args.output,
                colour=args.color,
                stdin_filename=args.stdin_filename,
                exit_zero=args.exit_zero,
                jobs=args.jobs,
                fix_outside_links=args.fix_outside_links,
                fix_read_only=args.fix_read_only,
                kustomize=args.kustomize,
                baseline=args.baseline,
                write_baseline=args.write_baseline,
                add_suppressions=args.add_suppressions,
            )
        )
    except (ConfigError, RuleDataError) as exc:
        from ekslint.report.escape import display

        # Config errors echo the file's keys and values: one line, whatever they hold.
        err.write(f"ekslint: {display(str(exc))}\n")
        return exitcodes.ERROR
    if args.show_settings:
        return run.show_settings(out)
    return run.execute(out, err)
