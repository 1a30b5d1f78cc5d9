"""Credentials for private registries: imagePullSecrets on the pod or its ServiceAccount."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.input.yamlnodes import SequenceNode, is_null, lookup
from ekslint.kube.pods import PodView
from ekslint.lint.checks import check
from ekslint.lint.context import Context
from ekslint.lint.deferred import SecretMismatch, UnlessAccountHasSecrets
from ekslint.lint.findings import Edit
from ekslint.lint.rulepack import Rule


@check("missing_pull_secret")
def missing_pull_secret(
    rule: Rule, pod: PodView, ctx: Context
) -> Iterator[UnlessAccountHasSecrets]:
    if pod.pull_secrets or pod.template.injected:
        # An injected sidecar is pulled with the pull secrets of the pods it joins.
        return
    settings = ctx.settings
    for container in pod.containers:
        image = container.image
        if image is None or not ctx.catalog.is_private_tcr(image.registry):
            continue
        if (
            ctx.catalog.is_public_tcr_repository(image.registry, image.repository)
            or settings.is_public_repository(image.registry, image.repository)
            or settings.pull_secrets_injected(image.registry)
        ):
            continue
        secret = settings.pull_secret_for(image.registry)
        fix = None
        if secret is not None:
            fix = ctx.fix(
                rule, f"add imagePullSecrets: {secret}", _add_pull_secret(ctx, pod, secret)
            )
        # The message depends on whether the ServiceAccount is among the inputs: written later.
        finding = ctx.finding(
            rule, container.image_node, "", obj=pod.obj.ref, container=container.name, fix=fix
        )
        yield UnlessAccountHasSecrets(
            finding,
            pod.obj.namespace,
            pod.service_account,
            str(container.image_node.value),
            image.registry,
            _the_pod(pod),
            secret_configured=secret is not None,
        )


def _the_pod(pod: PodView) -> str:
    template = pod.template
    return "the pod" if template.describe == template.where else template.describe


def _add_pull_secret(ctx: Context, pod: PodView, secret: str) -> Edit | None:
    """``imagePullSecrets`` right before the pod spec's ``containers`` (where the rule's example
    and most manifests have it; at the end of the spec when ``containers`` does not start a
    line), laid out like the containers list."""
    from ekslint.fix.edits import (  # only when a fix is built
        as_json,
        child_indent,
        entry_end,
        indent_step,
        insert_lines,
        replace_empty,
        set_key,
    )

    chunk = ctx.chunk
    if pod.template.secrets_parent is None:
        return None  # the carrier's pull secrets are not a `{name}` list ekslint writes
    spec_key, spec = pod.template.secrets_parent
    step = indent_step(chunk, pod.obj.node)
    item = f"- name: {secret}"
    existing = lookup(spec, "imagePullSecrets")
    if existing is not None:
        value = existing[1]
        item_text = as_json({"name": secret}) if chunk.is_json else f"{{name: {secret}}}"
        if isinstance(value, SequenceNode) and value.flow_style and not value.value:
            close = value.end_mark.index - 1  # `[]`
            return Edit(close, close, item_text)
        if not is_null(value):
            return None  # a list with no usable names: a person must look at it
        if spec.flow_style:  # `{imagePullSecrets: null, ...}`: the null becomes the list
            start, end = value.start_mark.index, value.end_mark.index
            if start == end:  # `{imagePullSecrets: , ...}`
                start = end = chunk.text.index(":", existing[0].end_mark.index) + 1
                return Edit(start, end, f" [{item_text}]")
            return Edit(start, end, f"[{item_text}]")
    if spec.flow_style:
        return set_key(chunk, spec, "imagePullSecrets", [f"  {item}"])
    column = child_indent(chunk, spec, spec_key, step)
    # Indent the new list as the containers list is (`- ` under the key, or indented).
    offset = step
    containers = lookup(spec, "containers")
    if containers is not None:
        items = containers[1]
        if isinstance(items, SequenceNode) and not items.flow_style and items.value:
            offset = items.start_mark.column - containers[0].start_mark.column
    nl = chunk.newline
    if existing is not None:  # `imagePullSecrets:` with nothing after it
        column = existing[0].start_mark.column
        body = f"{' ' * (column + offset)}{item}{nl}"
        return replace_empty(chunk, existing[1], existing[0], body)
    lines = f"{' ' * column}imagePullSecrets:{nl}{' ' * (column + offset)}{item}{nl}"
    at = entry_end(chunk, spec)
    if containers is not None:
        key = containers[0]
        start = chunk.line_start(key.start_mark.index)
        if not chunk.text[start : key.start_mark.index].strip():
            # Before the comment lines that introduce `containers`, too.
            at = start
            while at > 0:
                previous = chunk.line_start(at - 1)
                line = chunk.text[previous:at]
                indent = len(line) - len(line.lstrip(" "))
                if not (line.strip().startswith("#") and indent == key.start_mark.column):
                    break
                at = previous
            lines = f"{' ' * key.start_mark.column}imagePullSecrets:{nl}"
            lines += f"{' ' * (key.start_mark.column + offset)}{item}{nl}"
    return insert_lines(chunk, at, lines)


@check("pull_secret_mismatch")
def pull_secret_mismatch(rule: Rule, pod: PodView, ctx: Context) -> Iterator[SecretMismatch]:
    registries = sorted({c.image.registry for c in pod.containers if c.image is not None})
    if not registries:
        return
    for name, node, namespace in pod.pull_secrets:
        placeholder = ctx.finding(rule, node, "", obj=pod.obj.ref)
        where = namespace if namespace is not None else pod.obj.namespace
        yield SecretMismatch(placeholder, name, where, tuple(registries))
