"""``ekslint server``: a language server over stdio (needs the ``lsp`` extra: pygls)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO


def main(args: list[str], err: TextIO) -> int:
    from ekslint import exitcodes

    if args and args[0] in ("-h", "--help"):
        err.write(
            "usage: ekslint server\n\nA language server over stdio: diagnostics, quick fixes "
            "and fix-all for editors (see the README for VS Code and Neovim).\n"
        )
        return exitcodes.CLEAN
    if args:
        err.write(f"ekslint server: unexpected argument {args[0]!r}; it takes none\n")
        return exitcodes.ERROR
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        from ekslint import __version__

        err.write(
            "ekslint server: the language server needs pygls, which is not installed; "
            "install it with: pip install '.[lsp]' in an ekslint checkout, or pip install "
            f"'ekslint[lsp] @ git+https://github.com/ekslint/ekslint@v{__version__}'\n"
        )
        return exitcodes.ERROR
    from ekslint.server.lsp import serve

    serve()
    return exitcodes.CLEAN
