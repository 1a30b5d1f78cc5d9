"""Checks on the image references themselves."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.kube.pods import PodView
from ekslint.lint.checks import check
from ekslint.lint.context import Context
from ekslint.lint.findings import Finding
from ekslint.lint.rulepack import Rule


@check("invalid_image")
def invalid_image(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for container in pod.containers:
        if container.invalid is None:
            continue
        yield ctx.finding(
            rule,
            container.image_node,
            f"image {container.image_node.value!r} is not a valid reference: "
            f"{container.invalid.reason}",
            obj=pod.obj.ref,
            container=container.name,
        )


@check("docker_hub_lookalike")
def docker_hub_lookalike(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    declared_short = {r.split(".", 1)[0].split(":", 1)[0] for r in ctx.settings.registries}
    names = ctx.catalog.lookalike_names | declared_short
    for container in pod.containers:
        image = container.image
        if image is None or image.explicit_registry:
            continue
        text = str(container.image_node.value)
        first = text.split("/", 1)[0]
        if "/" not in text or first not in names:
            continue
        yield ctx.finding(
            rule,
            container.image_node,
            f"image {text!r} is pulled from Docker Hub (docker.io/{image.repository}): "
            f"{first!r} has no '.' or ':', so it is not read as a registry host",
            obj=pod.obj.ref,
            container=container.name,
        )
