"""Rendering a kustomization for ``ekslint --kustomize DIR``, with origin annotations.

``buildMetadata: [originAnnotations]`` can only be asked for in a kustomization file, so DIR is
built through a temporary kustomization that has DIR as its only resource and asks for them
(the temporary folder lies outside DIR: Kustomize refuses a root inside the tree it builds).
Origin paths then come back relative to that folder.

Builds that would fetch anything (remote bases, components or resources; Helm charts) are
refused before the renderer runs: ekslint stays offline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import yaml

from ekslint.record import record

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_KUSTOMIZATION_BYTES = 1024 * 1024
MAX_KUSTOMIZATIONS = 1000  # folders visited while checking for remote bases
RENDER_TIMEOUT = 300
_REMOTE = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git::|git@|gh:)|\?(?:ref|version)=|\.git(?:/|$)"
)


class KustomizeError(Exception):
    """DIR cannot be rendered (no renderer, a remote base, a failed build)."""


def kustomization_file(folder: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def read_kustomization(path: str) -> dict[str, object]:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read(MAX_KUSTOMIZATION_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise KustomizeError(f"{path}: cannot read: {exc}") from None
    if len(text) > MAX_KUSTOMIZATION_BYTES:
        raise KustomizeError(f"{path}: larger than {MAX_KUSTOMIZATION_BYTES} bytes")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KustomizeError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KustomizeError(f"{path}: not a kustomization (a mapping)")
    return data


def is_remote(entry: str, folder: str) -> bool:
    """A go-getter URL or a ``host/org/repo`` path that is not a local file or folder."""
    if _REMOTE.search(entry):
        return True
    first, slash, _ = entry.partition("/")
    return (
        bool(slash) and "." in first.strip(".") and not os.path.exists(os.path.join(folder, entry))
    )


def render_environment(scratch: str) -> dict[str, str]:
    """The renderer's environment: ``kubectl`` loads a kubeconfig even to run ``kustomize``
    (and would wait on a FIFO or dial nothing, but open the user's cluster credentials), so it
    gets an empty one and a home of its own; nothing else it needs is taken away."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    empty = os.path.join(scratch, ".kubeconfig")
    with open(empty, "w", encoding="utf-8"):
        pass
    env["KUBECONFIG"] = empty
    env["HOME"] = scratch
    return env


def check_offline(folder: str) -> None:
    """Raise KustomizeError when building ``folder`` would fetch something."""
    seen: set[str] = set()
    pending = [os.path.realpath(folder)]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if len(seen) > MAX_KUSTOMIZATIONS:
            raise KustomizeError(f"{folder}: more than {MAX_KUSTOMIZATIONS} kustomizations")
        path = kustomization_file(current)
        if path is None:
            if current == os.path.realpath(folder):
                raise KustomizeError(f"{folder}: no kustomization.yaml here")
            continue
        data = read_kustomization(path)
        if data.get("helmCharts") or data.get("helmChartInflationGenerator"):
            raise KustomizeError(
                f"{path}: helmCharts would be fetched and rendered by Helm; render the chart "
                "yourself (helm template ... | ekslint -) or vendor it"
            )
        for key in ("resources", "components", "bases"):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise KustomizeError(f"{path}: {key} is not a list")
            for entry in entries:
                if not isinstance(entry, str):
                    continue
                if is_remote(entry, current):
                    raise KustomizeError(
                        f"{path}: {key} entry {entry!r} is remote; ekslint does not fetch "
                        "anything (vendor the base, or render it yourself and pipe the output "
                        "into 'ekslint -')"
                    )
                local = os.path.join(current, entry)
                if os.path.isdir(local):
                    pending.append(os.path.realpath(local))


def renderer() -> list[str]:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    raise KustomizeError(
        "--kustomize needs 'kubectl' (kubectl kustomize) or 'kustomize' (kustomize build) on "
        "PATH; neither was found"
    )


@record(frozen=True)
class Rendered:
    """Rendered manifests, and the folder their origin paths are relative to."""

    text: str
    base: str


def render(folder: str) -> Rendered:
    """Build ``folder`` with origin annotations on."""
    check_offline(folder)
    command = renderer()
    target = os.path.realpath(folder)
    wrapper = os.path.realpath(tempfile.mkdtemp(prefix="ekslint-kustomize-"))
    try:
        try:
            relative = os.path.relpath(target, wrapper)
        except ValueError:  # another drive
            raise KustomizeError(f"{folder}: cannot be reached from {wrapper}") from None
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                f"resources:\n- {_quoted(relative)}\nbuildMetadata: [originAnnotations]\n"
            )
        try:
            done = subprocess.run(
                [*command, wrapper],
                capture_output=True,
                timeout=RENDER_TIMEOUT,
                stdin=subprocess.DEVNULL,
                env=render_environment(wrapper),
            )
        except subprocess.TimeoutExpired:
            raise KustomizeError(
                f"{' '.join(command)} {folder}: no result after {RENDER_TIMEOUT} s"
            ) from None
        except OSError as exc:
            raise KustomizeError(f"cannot run {command[0]}: {exc.strerror}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().replace(wrapper, "<ekslint>")
            shown = "".join(c if c.isprintable() or c == "\n" else "?" for c in message)
            raise KustomizeError(f"{' '.join(command)} {folder} failed:\n{shown[-4000:]}")
        try:
            text = done.stdout.decode("utf-8")
        except UnicodeDecodeError:
            raise KustomizeError(f"{' '.join(command)} {folder}: output is not UTF-8") from None
        return Rendered(text, wrapper)
    finally:
        shutil.rmtree(wrapper, ignore_errors=True)


def _quoted(text: str) -> str:
    import json

    return json.dumps(text)
