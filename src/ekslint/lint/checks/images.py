"""Checks on the image references themselves."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.input.yamlnodes import ScalarNode
from ekslint.kube.images import DOCKER_HUB_WEBSITE, docker_hub_meant
from ekslint.kube.pods import PodView
from ekslint.lint.checks import check
from ekslint.lint.context import Context
from ekslint.lint.findings import Edit, Finding
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
        if image is not None and image.registry == DOCKER_HUB_WEBSITE:
            yield _website_finding(rule, ctx, pod, container.image_node, container.name)
            continue
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


def _website_finding(
    rule: Rule, ctx: Context, pod: PodView, node: ScalarNode, container: str | None
) -> Finding:
    text = str(node.value)
    meant = docker_hub_meant(text)
    fix = None
    if meant is not None:
        from ekslint.fix.edits import quote  # only when there is a finding

        edit = Edit(node.start_mark.index, node.end_mark.index, quote(meant, node))
        fix = ctx.fix(rule, f"pull {meant}", edit, unsafe=True)
    return ctx.finding(
        rule,
        node,
        f"image {text!r} names {DOCKER_HUB_WEBSITE}, Docker Hub's web site, as its registry: "
        f"it serves no registry API and the pull fails; Docker Hub's registry is docker.io"
        + (f" ({meant})" if meant else ""),
        obj=pod.obj.ref,
        container=container,
        fix=fix,
        severity="error",
    )
