"""ekslint: catch EKS image-pull failures in Kubernetes manifests before they deploy.

The Python API (``ekslint.lint_text``, ``ekslint.fix_text``, ``ekslint.Settings``, ...) lives in
``ekslint.api``; it is imported on first use, so the command line starts as fast without it.
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:  # mypy and editors see the API as if imported here
    from ekslint.api import (
        Finding,
        Fix,
        ObjectRef,
        Settings,
        TextEdit,
        fix_text,
        lint_text,
        lint_texts,
        load_settings,
    )
    from ekslint.config.load import ConfigError


__all__ = [
    "ConfigError",
    "Finding",
    "Fix",
    "ObjectRef",
    "Settings",
    "TextEdit",
    "__version__",
    "fix_text",
    "lint_text",
    "lint_texts",
    "load_settings",
]
_API = frozenset(__all__) - {"ConfigError", "__version__"}  # the names ekslint.api defines


def __getattr__(name: str) -> object:
    if name in _API:
        from ekslint import api

        return getattr(api, name)
    if name == "ConfigError":
        from ekslint.config.load import ConfigError

        return ConfigError
    raise AttributeError(f"module 'ekslint' has no attribute {name!r}")
