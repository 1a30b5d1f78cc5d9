"""Command line: ``ekslint [options] PATH...`` and the ``rules``, ``rule``, ``schema`` and
``diagnose`` commands. ``main(argv) -> int`` is what tests and the console script call."""

from __future__ import annotations

import sys
from types import SimpleNamespace as Namespace

from ekslint import __version__, exitcodes

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    import argparse
    from typing import Any, NoReturn, TextIO

    from ekslint.config.settings import Settings

    # What build_settings reads: parse_args' answer, or _fast_args'.
    Args = argparse.Namespace | Namespace

COMMANDS = ("rules", "rule", "schema", "diagnose", "export", "server")


def platform_help() -> str:
    """--platform's help: the packs ekslint ships (read from its rules), and the user's own."""
    from ekslint.config.settings import DEFAULT_PLATFORM
    from ekslint.lint.rulepack import available_platforms

    return (
        f"rule pack: {', '.join(available_platforms())} (default: {DEFAULT_PLATFORM}), a pack "
        "in the config's platform-packs, or the path of a pack file"
    )


# The lint command's options, as data: the parser is built from them (``lint_parser``), and so
# are the values of options not given (``_fast_args``). ``None`` for the group: the parser's
# own. The two values argparse must compute (--output-format's choices, --platform's help) are
# filled in by ``lint_parser``.
_LINT_OPTIONS: tuple[tuple[str | None, tuple[tuple[tuple[str, ...], dict[str, Any]], ...]], ...] = (
    (
        None,
        (
            (
                ("--kustomize",),
                {
                    "metavar": "DIR",
                    "help": "render DIR with kubectl kustomize (or kustomize build) and lint the "
                    "result, reporting and fixing each finding in the file it came from",
                },
            ),
        ),
    ),
    (
        "output",
        (
            (
                ("--output-format", "--format"),
                {
                    "dest": "format",
                    "default": "full",
                    "help": "full (default; also 'text'): source line, caret and fix; concise: "
                    "one line each",
                },
            ),
            (("--output", "-o"), {"metavar": "FILE", "help": "write the report to FILE"}),
            (("--color",), {"choices": ("auto", "always", "never"), "default": "auto"}),
            (
                ("--exit-zero",),
                {"action": "store_true", "help": "exit 0 even when findings remain"},
            ),
            (
                ("--fail-on",),
                {
                    "choices": ("error", "warning"),
                    "default": "warning",
                    "help": "the lowest severity whose findings make the exit code 1 "
                    "(default: warning)",
                },
            ),
            (
                ("--exit-non-zero-on-fix",),
                {
                    "action": "store_true",
                    "help": "exit 1 when --fix changed a file, even if no findings remain",
                },
            ),
            (
                ("--statistics",),
                {"action": "store_true", "help": "count the findings of each rule instead"},
            ),
            (
                ("--quiet", "-q"),
                {"action": "store_true", "help": "print findings only: no summary, no notes"},
            ),
            (
                ("--show-settings",),
                {
                    "action": "store_true",
                    "help": "print the effective settings and where each came from, then exit",
                },
            ),
        ),
    ),
    (
        "fixing",
        (
            (("--fix",), {"action": "store_true", "help": "apply safe fixes in place"}),
            (("--unsafe-fixes",), {"action": "store_true", "help": "also apply unsafe fixes"}),
            (
                ("--diff",),
                {
                    "action": "store_true",
                    "help": "print the fixes as a unified diff and write nothing",
                },
            ),
            (
                ("--fix-outside-links",),
                {
                    "action": "store_true",
                    "help": "also fix files that a symlink leads to outside the paths given",
                },
            ),
            (
                ("--fix-read-only",),
                {
                    "action": "store_true",
                    "help": "also fix files their owner has no write permission for",
                },
            ),
        ),
    ),
    (
        "adopting ekslint on an existing repository",
        (
            (
                ("--baseline",),
                {
                    "metavar": "FILE",
                    "help": "report only findings not accepted in FILE (written by "
                    "--write-baseline)",
                },
            ),
            (
                ("--write-baseline",),
                {
                    "metavar": "FILE",
                    "help": "accept every current finding: write their fingerprints to FILE, "
                    "exit 0",
                },
            ),
            (
                ("--add-suppressions",),
                {
                    "metavar": "REASON",
                    "help": "accept every current finding with '# ekslint: ignore[ID] REASON' on "
                    "its line (JSON files: an entry in the --baseline FILE, default "
                    ".ekslint-baseline.json)",
                },
            ),
        ),
    ),
    (
        "configuration",
        (
            (
                ("--config",),
                {"metavar": "PATH", "help": "config file (default: search upwards)"},
            ),
            (
                ("--isolated",),
                {
                    "action": "store_true",
                    "help": "do not search for a config file (an explicit --config still applies)",
                },
            ),
            (("--platform",), {}),
            (
                ("--http-registry",),
                {
                    "action": "append",
                    "default": [],
                    "metavar": "HOST",
                    "help": "declare a registry that serves plain HTTP (repeatable)",
                },
            ),
            (
                ("--insecure-registry",),
                {
                    "action": "append",
                    "default": [],
                    "metavar": "HOST",
                    "help": "declare a registry with a self-signed certificate (repeatable)",
                },
            ),
            (
                ("--trusted-registry",),
                {
                    "action": "append",
                    "default": [],
                    "metavar": "HOST",
                    "help": "declare a registry with a trusted certificate (repeatable)",
                },
            ),
            *(
                (
                    (flag,),
                    {
                        "action": "append",
                        "default": [],
                        "metavar": "IDS",
                        "help": "comma-separated rule IDs, prefixes, names (repeatable: they "
                        "add up)",
                    },
                )
                for flag in ("--select", "--ignore")
            ),
            (
                ("--exclude",),
                {
                    "action": "append",
                    "default": [],
                    "metavar": "GLOBS",
                    "help": "comma-separated globs of files not to lint, instead of the "
                    "config's (repeatable)",
                },
            ),
            (
                ("--extend-exclude",),
                {
                    "action": "append",
                    "default": [],
                    "metavar": "GLOBS",
                    "help": "comma-separated globs of files not to lint, besides the config's "
                    "(repeatable)",
                },
            ),
            (("--stdin-filename",), {"metavar": "NAME", "help": "name for '-' in reports"}),
            (
                ("--jobs", "-j"),
                {
                    "type": int,
                    "default": 0,
                    "help": "worker processes (default: automatic, 1 for small inputs)",
                },
            ),
        ),
    ),
)


def lint_parser() -> argparse.ArgumentParser:
    from ekslint.cliparser import Parser
    from ekslint.report import FORMATS

    parser = Parser(
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
    for title, options in _LINT_OPTIONS:
        group: argparse.ArgumentParser | argparse._ArgumentGroup = (
            parser if title is None else parser.add_argument_group(title)
        )
        for flags, settings in options:
            if flags == ("--output-format", "--format"):
                settings = {**settings, "choices": list(FORMATS)}
            elif flags == ("--platform",):
                settings = {**settings, "help": platform_help()}
            group.add_argument(*flags, **settings)
        if title is None:
            parser.add_argument("--version", action="version", version=f"ekslint {__version__}")
    return parser


def _dest(flags: tuple[str, ...], settings: dict[str, Any]) -> str:
    return settings.get("dest") or flags[0][2:].replace("-", "_")


# The options ``_fast_args`` reads: each flag -> (dest, kind, its settings). "store_true": a
# switch; "value" and "append": one argument after it (appended for "append"), which must be in
# ``choices`` or, for a ``type=int``, plain digits.
_FAST_OPTIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    flag: (_dest(_flags, _settings), _settings.get("action") or "value", _settings)
    for _, _options in _LINT_OPTIONS
    for _flags, _settings in _options
    for flag in _flags
}


def _fast_args(argv: list[str]) -> Namespace | None:
    """What ``lint_parser().parse_args(argv)`` returns, without argparse, for the command lines
    of pre-commit's hooks and most others: options written ``--name`` or ``-n``, each value as
    the next argument, then an optional ``--``, then paths. None for anything else (``--name=``,
    ``-j2``, help, a value that starts with ``-`` or is not a valid choice, an option after the
    paths...), which argparse parses and reports.

    argparse costs a tenth of a one-file run (its import, a formatter and gettext lookups for
    every option), and pre-commit starts ekslint on every commit. tests/test_cli.py holds this
    to argparse's own answer on every command line it accepts.
    """
    values: dict[str, Any] = {"paths": []}
    for _, options in _LINT_OPTIONS:
        for flags, settings in options:
            default = settings.get("default")
            if settings.get("action") == "store_true":
                default = False
            values[_dest(flags, settings)] = list(default) if isinstance(default, list) else default
    position = 0
    while position < len(argv) and argv[position] in _FAST_OPTIONS:
        dest, kind, settings = _FAST_OPTIONS[argv[position]]
        if kind == "store_true":
            values[dest] = True
            position += 1
            continue
        if position + 1 == len(argv) or argv[position + 1].startswith("-"):
            return None  # no value, or one argparse may take for an option
        value: Any = argv[position + 1]
        if settings.get("type") is int:
            # (past 4,300 digits int() refuses the string: argparse then reports the value)
            if not (value.isascii() and value.isdigit()) or len(value) > 4000:
                return None
            value = int(value)
        choices = settings.get("choices")
        if dest == "format":
            from ekslint.report import FORMATS as choices
        if choices is not None and value not in choices:
            return None
        if kind == "append":
            values[dest].append(value)
        else:
            values[dest] = value
        position += 2
    rest = argv[position:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
        if "--" in rest:
            return None  # argparse's handling of a second "--" is its own
    elif any(arg.startswith("-") and arg != "-" for arg in rest):
        return None
    values["paths"] = rest
    return Namespace(**values)


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


def build_settings(args: Args, config: str | None = SEARCH) -> Settings:
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
    args = _fast_args(argv) or lint_parser().parse_args(argv)

    def usage_error(message: str) -> NoReturn:
        lint_parser().error(message)

    if args.jobs < 0:
        usage_error(f"--jobs {args.jobs}: give 0 (automatic) or a number of processes")
    if args.kustomize and args.paths:
        usage_error("--kustomize DIR lints what DIR renders; give no PATH with it")
    adopting = [
        flag
        for flag, value in (
            ("--write-baseline", args.write_baseline),
            ("--add-suppressions", args.add_suppressions),
        )
        if value is not None
    ]
    if adopting and (args.fix or args.diff or len(adopting) > 1):
        usage_error(f"{adopting[0]} cannot be combined with --fix, --diff or another of them")
    if args.kustomize and (adopting or args.baseline):
        # Rendered output has no lines of its own to comment or fingerprint stably.
        usage_error(
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
        if not (args.fix or args.write_baseline or args.add_suppressions is not None):
            return run.execute(out, err)  # nothing to finish: `kill PID` may stop it at once
        from ekslint.signals import TerminatingSignals

        # `kill PID` finishes the writes begun (worker processes see to their own: forks.py).
        with TerminatingSignals():
            return run.execute(out, err)
    except (ConfigError, RuleDataError) as exc:
        from ekslint.report.escape import display

        # Config errors echo the file's keys and values: one line, whatever they hold.
        err.write(f"ekslint: {display(str(exc))}\n")
        return exitcodes.ERROR
    except Exception as exc:
        from ekslint.lint.forks import WorkerError  # (imported only when something failed)

        if not isinstance(exc, WorkerError):
            raise
        # A worker process died (killed, out of memory) or hit a bug: no report can be made.
        err.write(f"ekslint: error: {exc}\n")
        return exitcodes.ERROR
