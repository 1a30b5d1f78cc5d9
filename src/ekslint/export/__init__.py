"""``ekslint export TARGET``: the registries declared in the settings, written for each place
that must know them — the platform's cluster-wide pod defaults, a Kyverno policy that annotates
pods, and the node runtimes of hybrid clusters (containerd, Docker, k3s, CRI-O).

Only registries declared ``http`` or ``https-self-signed`` are exported: a registry with a
trusted certificate needs nothing anywhere.
"""

from __future__ import annotations

import argparse
import ipaddress
import re

from ekslint.cliparser import Parser
from ekslint.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from typing import TextIO

    from ekslint.config.settings import Settings

EXIT_CLEAN, EXIT_ERROR = 0, 2

# target -> (module, one-line description); each module has ``render(ExportInput) -> str``,
# except containerd, which writes a folder (``write(ExportInput, folder) -> list[str]``).
TARGETS = {
    "eks-config": ("eksconfig", "the platform's cluster-wide pod annotation defaults (ConfigMap)"),
    "kyverno": ("kyverno", "a Kyverno ClusterPolicy adding the annotations to pods"),
    "containerd": ("containerd", "DIR/<host[:port]>/hosts.toml for containerd's config_path"),
    "docker": ("docker", "daemon.json with insecure-registries"),
    "k3s": ("k3s", "registries.yaml with mirrors and configs"),
    "crio": ("crio", "registries.conf with [[registry]] insecure = true"),
}

# A registry host as it may appear in an image reference, and nothing else: DNS labels
# (underscores tolerated, as some internal names have them), IPv4, or bracketed IPv6, then an
# optional port. Everything exported is built from these, so a hostile declaration can neither
# escape the containerd folder nor break out of a quoted string in TOML, YAML or JSON.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class ExportError(Exception):
    """Nothing sensible can be exported (exit 2, the message says why)."""


@record(frozen=True)
class Registry:
    host: str  # normalised host[:port]
    protocol: str  # "http" or "https-self-signed"


@record(frozen=True)
class ExportInput:
    """What every target is written from."""

    platform: str
    registries: list[Registry]  # http and https-self-signed only, in declaration order
    config: str | None  # the config file the declarations came from, if any

    def hosts(self, protocol: str) -> list[str]:
        return [r.host for r in self.registries if r.protocol == protocol]

    def provenance(self) -> str:
        """One line for a comment at the top of an export (a file name cannot end it)."""
        source = "from the command line"
        if self.config:
            import os

            shown = os.path.relpath(self.config)
            if shown.startswith(os.pardir):
                shown = self.config
            source = "from " + "".join(c if c.isprintable() else "?" for c in shown)
        return f"Written by `ekslint export` {source} (platform {self.platform})."


def check_host(host: str) -> str:
    """``host`` if it is a plain ``host[:port]``, else an ExportError naming it."""
    name, port = _split(host)
    ok = port is None or (_PORT.match(port) is not None and 0 < int(port) < 65536)
    if ok and name.startswith("["):
        try:
            ok = name.endswith("]") and ipaddress.ip_address(name[1:-1]).version == 6
        except ValueError:
            ok = False
    elif ok:
        ok = _HOSTNAME.match(name) is not None and len(name) <= 253
    if not ok:
        raise ExportError(
            f"registry {host!r} is not a plain host[:port] (DNS name, IPv4 or [IPv6] address, "
            "optional port): fix its declaration before exporting it"
        )
    return host


def _split(host: str) -> tuple[str, str | None]:
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        rest = host[end + 1 :]
        if not rest:
            return host, None
        return host[: end + 1], (rest[1:] if rest.startswith(":") else rest)
    name, sep, port = host.partition(":")
    return name, (port if sep else None)


def export_input(settings: Settings) -> ExportInput:
    registries = [
        Registry(check_host(host), protocol)
        for host, protocol in settings.registries.items()
        if protocol in ("http", "https-self-signed")
    ]
    if not registries:
        raise ExportError(
            "no registry is declared http or https-self-signed, so there is nothing to export: "
            "declare them in .ekslint.yaml (registries:) or with --http-registry / "
            "--insecure-registry"
        )
    return ExportInput(settings.platform, registries, settings.config_path)


def export_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ekslint export",
        description="Write the declared http and self-signed registries for another tool.",
        epilog="Targets: "
        + "; ".join(f"{name}: {what}" for name, (_, what) in TARGETS.items())
        + ". Exit codes: 0 written, 2 usage or config error.",
    )
    parser.add_argument("target", choices=TARGETS, metavar="TARGET", help=", ".join(TARGETS))
    parser.add_argument("folder", nargs="?", metavar="DIR", help="containerd only: the folder")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE, not stdout")
    conf = parser.add_argument_group("configuration (as for linting)")
    conf.add_argument("--config", metavar="PATH", help="config file (default: search upwards)")
    conf.add_argument("--isolated", action="store_true", help="do not search for a config file")
    from ekslint.cli import platform_help

    conf.add_argument("--platform", help=platform_help())
    conf.add_argument("--http-registry", action="append", default=[], metavar="HOST")
    conf.add_argument("--insecure-registry", action="append", default=[], metavar="HOST")
    return parser


def main(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = export_parser()
    args = parser.parse_args(argv)
    if args.target == "containerd":
        if not args.folder:
            parser.error("containerd needs DIR, the folder to write <host>/hosts.toml into")
        if args.output:
            parser.error("containerd writes files under DIR; --output does not apply")
    elif args.folder:
        parser.error(f"{args.target} takes no DIR (use --output FILE to write a file)")
    from ekslint.cli import build_settings
    from ekslint.config.load import ConfigError
    from ekslint.lint.rulepack import RuleDataError

    # The lint command's settings, minus what only linting uses.
    args.trusted_registry, args.select, args.ignore = [], None, None
    try:
        data = export_input(build_settings(args))
        if args.target == "containerd":
            from ekslint.export import containerd

            for written in containerd.write(data, args.folder):
                out.write(f"wrote {written}\n")
            return EXIT_CLEAN
        text = _renderer(args.target)(data)
    except (ConfigError, RuleDataError, ExportError) as exc:
        err.write(f"ekslint: {exc}\n")
        return EXIT_ERROR
    if not args.output:
        out.write(text)
        return EXIT_CLEAN
    try:
        with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        err.write(f"ekslint: cannot write {args.output}: {exc.strerror}\n")
        return EXIT_ERROR
    return EXIT_CLEAN


def _renderer(target: str) -> Callable[[ExportInput], str]:
    import importlib

    module = importlib.import_module(f"ekslint.export.{TARGETS[target][0]}")
    render: Callable[[ExportInput], str] = module.render
    return render


def quoted(text: str) -> str:
    """A double-quoted string valid in TOML, YAML and JSON alike (checked hosts are ASCII)."""
    import json

    return json.dumps(text, ensure_ascii=True)
