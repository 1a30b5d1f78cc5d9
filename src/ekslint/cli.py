"""Command line: ``ekslint [options] PATH...`` and the ``rules``, ``rule``, ``schema`` and
``diagnose`` commands. ``main(argv) -> int`` is what tests and the console script call."""

from __future__ import annotations

import argparse
import sys

from ekslint import __version__, exitcodes

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import NoReturn, TextIO

    from ekslint.config.settings import Settings

COMMANDS = ("rules", "rule", "schema", "diagnose", "export", "server")


def platform_help() -> str:
    """--platform's help: the packs ekslint ships (read from its rules), and the user's own."""
    from ekslint.config.settings import DEFAULT_PLATFORM
    from ekslint.lint.rulepack import available_platforms

    return (
        f"rule pack: {', '.join(available_platforms())} (default: {DEFAULT_PLATFORM}), a pack "
        "in the config's platform-packs, or the path of a pack file"
    )


class _Parser(argparse.ArgumentParser):
    """No abbreviated long options (``--fi`` must not run ``--fix``), and a suggestion for a
    mistyped one."""

    # argparse makes a help formatter for every add_argument (to check the metavar), and the
    # default one asks the terminal for its width, importing shutil (and with it zlib, bz2 and
    # lzma): 6 % of a one-file run. The terminal's width matters only for text that is printed.
    _printing = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._printing:
            return super()._get_formatter()
        return argparse.HelpFormatter(self.prog, width=80)  # only checks metavars

    def format_help(self) -> str:
        self._printing = True
        try:
            return super().format_help()
        finally:
            self._printing = False

    def format_usage(self) -> str:
        self._printing = True
        try:
            return super().format_usage()
        finally:
            self._printing = False

    def error(self, message: str) -> NoReturn:
        import difflib

        if "unrecognized arguments" in message:
            known = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
            for word in message.split(":", 1)[1].split():
                option = word.split("=", 1)[0]
                if option.startswith("--"):
                    close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
                    if close:
                        message += f" (did you mean {close[0]}?)"
                        break
        super().error(message)


def lint_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ekslint",
        allow_abbrev=False,
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
    out.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=list(FORMATS),
        default="full",
        help="full (default; also 'text'): source line, caret and fix; concise: one line each",
    )
    out.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    out.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    out.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="warning",
        help="the lowest severity whose findings make the exit code 1 (default: warning)",
    )
    out.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if no findings remain",
    )
    out.add_argument(
        "--statistics", action="store_true", help="count the findings of each rule instead"
    )
    out.add_argument(
        "--quiet", "-q", action="store_true", help="print findings only: no summary, no notes"
    )
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
    conf.add_argument("--platform", help=platform_help())
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
    for flag in ("--select", "--ignore"):
        conf.add_argument(
            flag,
            action="append",
            default=[],
            metavar="IDS",
            help="comma-separated rule IDs, prefixes, names (repeatable: they add up)",
        )
    conf.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOBS",
        help="comma-separated globs of files not to lint, instead of the config's (repeatable)",
    )
    conf.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="GLOBS",
        help="comma-separated globs of files not to lint, besides the config's (repeatable)",
    )
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


SEARCH = "<search from the working directory>"


def build_settings(args: argparse.Namespace, config: str | None = SEARCH) -> Settings:
    """Defaults, then the config file, then the command line; every rule selector is checked
    against the platform's rules. The config file is ``--config``, else none with
    ``--isolated``, else ``config`` (a path found for the files being linted, or None for
    none), by default the nearest one from the working directory."""
    import os

    from ekslint.config.load import (
        ConfigError,
        check_settings,
        find_config,
        resolve_platform,
        settings_from_file,
    )
    from ekslint.config.settings import Globs

    path = None
    if args.config:
        if not os.path.isfile(args.config):
            raise ConfigError(f"{args.config}: config file not found")
        path = args.config
    elif not args.isolated:
        path = find_config(os.getcwd()) if config == SEARCH else config
    settings, source = settings_from_file(path)
    if args.platform:
        settings.platform = resolve_platform(args.platform, settings.platform_packs, os.getcwd())
        settings.origins["platform"] = "--platform"
    declared: dict[str, str] = {}
    for flag, protocol in (
        ("http_registry", "http"),
        ("insecure_registry", "https-self-signed"),
        ("trusted_registry", "https"),
    ):
        option = "--" + flag.replace("_", "-")
        for host in getattr(args, flag):
            _check_registry_flag(option, host, declared)
            settings.declare(host, protocol, option)
    # (Other commands, e.g. export, build settings from parsers without these flags.)
    exclude, extend = getattr(args, "exclude", []), getattr(args, "extend_exclude", [])
    if exclude:
        settings.exclude = Globs(_words(exclude))  # relative to the working directory
        settings.origins["exclude"] = "--exclude"
    if extend:
        settings.extend_exclude = Globs(_words(extend))
        settings.origins["extend-exclude"] = "--extend-exclude"
    for flag in ("select", "ignore"):
        words = _words(getattr(args, flag))
        if words:
            setattr(settings, flag, words)
            settings.origins[flag] = f"--{flag}"
    check_settings(settings, source)
    return settings


def _check_registry_flag(option: str, host: str, declared: dict[str, str]) -> None:
    """The checks a config file's ``registries[].host`` gets: the schema's pattern (a host or
    host:port as in an image reference, no scheme, no path), and one protocol per registry
    (the same flag twice is harmless, two flags for one registry are a contradiction)."""
    import re

    from ekslint.config.load import ConfigError
    from ekslint.kube.images import normalize_registry

    if not re.fullmatch(r"[^/\s]+", host):
        raise ConfigError(
            f"{option} {host!r} is not a plain host[:port]: write the registry as in the image "
            "reference (no scheme, no path), e.g. 10.0.0.1:5000"
        )
    key = normalize_registry(host)
    first = declared.setdefault(key, f"{option} {host}")
    if not first.startswith(option + " "):
        raise ConfigError(
            f"{option} {host!r}: the registry is already declared by {first}; "
            "declare it once, with the protocol it serves"
        )


def _words(values: list[str] | str | None) -> list[str]:
    """Comma-separated words from every use of a repeatable flag (or of a plain one)."""
    if isinstance(values, str):
        values = [values]
    return [w.strip() for value in values or () for w in value.split(",") if w.strip()]


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
        from ekslint.run import Run, RunOptions

        # One config for all: asked for, or what rendering a kustomization and adopting
        # (baseline, suppression comments) work with.
        single = args.kustomize or args.write_baseline or args.add_suppressions is not None
        one_config = args.show_settings or args.config or args.isolated or single
        options = RunOptions(
            build_settings(args) if one_config else None,
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
            isolated=args.isolated,
            fail_on=args.fail_on,
            exit_non_zero_on_fix=args.exit_non_zero_on_fix,
            statistics=args.statistics,
            quiet=args.quiet,
            fix_outside_links=args.fix_outside_links,
            fix_read_only=args.fix_read_only,
            kustomize=args.kustomize,
            baseline=args.baseline,
            write_baseline=args.write_baseline,
            add_suppressions=args.add_suppressions,
            # else each file gets the config nearest to it
            settings_for=None if one_config else (lambda path: build_settings(args, path)),
        )
        run = Run(options)
        if args.show_settings:
            return run.show_settings(out)
        return run.execute(out, err)
    except (ConfigError, RuleDataError) as exc:
        from ekslint.report.escape import display

        # Config errors echo the file's keys and values: one line, whatever they hold.
        err.write(f"ekslint: {display(str(exc))}\n")
        return exitcodes.ERROR
