"""ekslint's argument parser class, for the lint command and the others, apart so that a
command line the fast path reads (``cli._fast_args``) never imports argparse."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """A suggestion for a mistyped option, usage errors escaped, and no terminal query until
    something is printed."""

    # argparse makes a help formatter for every add_argument (to check the metavar), and the
    # default one asks the terminal for its width, importing shutil (and with it zlib, bz2 and
    # lzma): 6 % of a one-file run. The terminal's width matters only for text that is printed.
    _printing = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._printing:
            return super()._get_formatter()
        return argparse.HelpFormatter(self.prog, width=80)  # only checks metavars

    def format_help(self) -> str:
        return self._printed(super().format_help)

    def format_usage(self) -> str:
        return self._printed(super().format_usage)

    def _printed(self, format_text: Callable[[], str]) -> str:
        self._printing = True
        try:
            return format_text()
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
        from ekslint.report.escape import display

        # The message echoes the command line, which may hold a file name with control
        # characters (``ekslint $(git diff --name-only)``): shown, as every echo is, escaped.
        super().error(display(message))
