"""``ekslint diagnose`` on the command line: arguments, input, and which platform's keys."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ekslint.cliparser import Parser
from ekslint.diagnose.explain import diagnose
from ekslint.diagnose.report import write_json, write_text


class _Parser(Parser):
    """Usage errors go to the caller's error stream (escaped, as ``Parser`` makes them)."""

    def __init__(self, err: TextIO, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.err = err

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            self.err.write(message)


def main(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``ekslint diagnose``; ``argv`` are the arguments after ``diagnose``."""
    parser = _parser(stderr)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return exc.code if isinstance(exc.code, int) else 2
    if args.help:
        stdout.write(parser.format_help())
        return 0
    if args.text and args.text != ["-"]:
        text = " ".join(args.text)
    else:
        if stdin.isatty():
            parser.print_usage()
            stderr.write(
                "ekslint diagnose: give the error text, or pipe it in "
                "(kubectl describe pod POD | ekslint diagnose)\n"
            )
            return 2
        try:
            text = stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            stderr.write(f"ekslint diagnose: cannot read stdin: {exc}\n")
            return 2
    from ekslint.config.load import configured_platform
    from ekslint.lint.rulepack import RuleDataError, load_platform

    try:
        keys = load_platform(configured_platform(args.platform)).annotations
    except RuleDataError as exc:
        stderr.write(f"ekslint diagnose: {exc}\n")
        return 2
    # The lint run it suggests checks the same platform (a config file's is found again).
    lint_command = "ekslint"
    if args.platform is not None:
        import shlex

        lint_command += f" --platform {shlex.quote(args.platform)}"
    diagnoses, unexplained = diagnose(text, keys, lint_command)
    if args.format == "json":
        write_json(stdout, diagnoses, unexplained, text)
    else:
        # The report quotes the log it was given: written through the one escaping rule of
        # every report (report/escape.py), so a hostile log cannot command a CI runner or the
        # terminal.
        from io import StringIO

        from ekslint.report.escape import display

        report = StringIO()
        write_text(report, diagnoses, unexplained, text)
        stdout.write("\n".join(display(line) for line in report.getvalue().split("\n")))
    return 0 if diagnoses else 1


def _parser(err: TextIO) -> argparse.ArgumentParser:
    from ekslint.config.settings import DEFAULT_PLATFORM
    from ekslint.lint.rulepack import available_platforms

    parser = _Parser(
        err,
        prog="ekslint diagnose",
        add_help=False,  # help goes to the caller's stdout, not sys.stdout
        description="Explain an image-pull error (kubectl describe pod, events, or "
        "`kubectl get events -o json`) and say how to fix it.",
        epilog="Exit status: 0 explained, 1 no known pattern, 2 usage error.",
    )
    parser.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the error text (words are joined with spaces); none or '-' reads stdin",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--platform",
        help=f"whose annotation keys to suggest: {', '.join(available_platforms())}, a pack "
        "named in the config's platform-packs, or a pack file (default: the config file's "
        f"platform, else {DEFAULT_PLATFORM})",
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    return parser
