"""Credentials for private registries: imagePullSecrets on the pod or its ServiceAccount."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.checks import check
from ekslint.context import Context
from ekslint.edits import set_key
from ekslint.inventory import Inventory
from ekslint.pods import PodView
from ekslint.problems import Finding
from ekslint.rulepack import Rule
from ekslint.yamlnodes import SequenceNode, get, lookup

DOCKER_SECRET_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


@check("missing_pull_secret")
def missing_pull_secret(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    if pod.pull_secrets:
        return
    for container in pod.containers:
        image = container.image
        if image is None or not ctx.catalog.is_private_tcr(image.registry):
            continue
        secret = ctx.settings.pull_secret_for(image.registry)
        fix = None
        if secret is not None:
            fix = ctx.fix(rule, f"add imagePullSecrets: {secret}", _add_pull_secret(ctx, pod, secret))
        finding = ctx.finding(
            rule,
            container.image_node,
            f"image {container.image_node.value!r} is on {image.registry} (TCR, private by "
            f"default) but the pod has no imagePullSecrets and its ServiceAccount "
            f"{pod.service_account!r} has none in the inputs"
            + ("" if secret else "; name the secret under pull-secrets in .ekslint.yaml to fix"),
            obj=pod.obj.ref,
            container=container.name,
            fix=fix,
        )
        namespace, account = pod.obj.namespace, pod.service_account

        def resolve(inventory: Inventory, f: Finding = finding) -> list[Finding]:
            return [] if inventory.account_pull_secrets(namespace, account) else [f]

        ctx.deferred.append(resolve)


def _add_pull_secret(ctx: Context, pod: PodView, secret: str):  # type: ignore[no-untyped-def]
    spec = pod.template.spec
    containers = lookup(spec, "containers")
    indented = True
    if containers is not None and isinstance(containers[1], SequenceNode):
        indented = containers[1].start_mark.column > containers[0].start_mark.column
    item = f"  - name: {secret}" if indented else f"- name: {secret}"
    spec_entry = lookup(pod.template.template, "spec")
    assert spec_entry is not None
    spec_key = spec_entry[0]
    if not indented:
        # A non-indented sequence sits at the key's own column.
        from ekslint.edits import child_indent
        from ekslint.problems import Edit

        column = child_indent(ctx.chunk, spec, spec_key)
        at = ctx.chunk.line_end(_last(spec))
        nl = ctx.chunk.newline
        text = f"{' ' * column}imagePullSecrets:{nl}{' ' * column}- name: {secret}{nl}"
        prefix = "" if ctx.chunk.text[at - 1 : at] == "\n" else nl
        return Edit(at, at, prefix + text)
    return set_key(ctx.chunk, spec, "imagePullSecrets", [item], parent_key=spec_key)


def _last(node):  # type: ignore[no-untyped-def]
    from ekslint.edits import last_end

    return last_end(node)


@check("pull_secret_mismatch")
def pull_secret_mismatch(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    registries = {c.image.registry for c in pod.containers if c.image is not None}
    private = sorted(registries)
    if not pod.pull_secrets or not private:
        return
    namespace = pod.obj.namespace
    for name, node in pod.pull_secrets:
        finding_args = (rule, node)

        def resolve(inventory: Inventory, name: str = name, args=finding_args) -> list[Finding]:  # type: ignore[no-untyped-def]
            secret = inventory.secret(namespace, name)
            if secret is None:
                return []
            if secret.type not in DOCKER_SECRET_TYPES:
                message = (
                    f"imagePullSecrets names Secret {name!r} of type {secret.type!r}; the runtime "
                    f"only uses {' or '.join(DOCKER_SECRET_TYPES)}"
                )
            elif secret.registries is None:
                return []
            else:
                missing = [r for r in private if r not in secret.registries]
                if len(missing) < len(private) or not missing:
                    return []
                message = (
                    f"Secret {name!r} has credentials for {', '.join(secret.registries) or 'no registry'}"
                    f", not for {', '.join(missing)} used by this pod"
                )
            return [ctx.finding(*args, message, obj=pod.obj.ref)]

        ctx.deferred.append(resolve)


def secret_payload(secret_node):  # type: ignore[no-untyped-def]
    """(payload, base64-encoded?) of a docker config Secret, from data or stringData."""
    for section, encoded in (("data", True), ("stringData", False)):
        for key in (".dockerconfigjson", ".dockercfg"):
            value = get(secret_node, section, key)
            if value is not None and hasattr(value, "value") and isinstance(value.value, str):
                return value.value, encoded
    return None
