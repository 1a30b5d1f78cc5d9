"""Do the pod's registry annotations cover the registries its images come from?"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ekslint.kube.carriers import get_text, pod_labels, selector_of
from ekslint.kube.images import split_host_port
from ekslint.kube.pods import OTHER_ROLE, PROTOCOL_OF_ROLE, AnnotationSite, PodView
from ekslint.kube.registries import Kind
from ekslint.kube.registrylist import covers
from ekslint.lint.checks import check
from ekslint.lint.context import Context
from ekslint.lint.deferred import (
    UnlessDeclaredGlobally,
    UnlessGlobal,
    UnlessInjectedPodsCover,
    UnlessSidecarUses,
)
from ekslint.lint.findings import Finding
from ekslint.lint.rulepack import Rule


def _listed_anywhere(pod: PodView, registry: str, role: str | None = None) -> bool:
    """Listed by any site, however misplaced or mis-written (those have rules of their own),
    including a host-only entry for a host:port registry (that is EKS003's finding)."""
    host, port = split_host_port(registry)
    for site in pod.sites:
        if role is not None and site.role != role:
            continue
        if covers(site.values, registry) or (port and host in site.values.registries):
            return True
    return False


def _listed_in_pod(pod: PodView, registry: str, role: str) -> bool:
    return any(
        s.role == role and s.placement == "pod" and registry in s.values.registries
        for s in pod.sites
    )


@check("missing_annotation")
def missing_annotation(
    rule: Rule, pod: PodView, ctx: Context
) -> Iterator[Finding | UnlessGlobal | UnlessInjectedPodsCover]:
    role, protocol = rule.params["role"], rule.params["protocol"]
    key = ctx.platform.annotations[role]
    for container in pod.containers:
        if container.image is None:
            continue
        registry = container.image.registry
        if ctx.settings.protocol_of(registry) != protocol or _listed_anywhere(pod, registry, role):
            continue
        if _listed_in_pod(pod, registry, OTHER_ROLE[role]):
            continue  # in the other annotation: EKS019 moves it

        # only when there is a finding
        from ekslint.fix.annotations import add_registries, over_limit, pod_site

        edits = add_registries(ctx, pod, role, [registry])
        fix = ctx.fix(rule, f"add {registry} to {key}", *edits) if edits else None
        site = pod_site(pod, role)
        full = ""
        if site is not None and over_limit(ctx, site, [registry]):
            most = ctx.platform.list_syntax.max_entries
            full = f"; {key} already lists {len(site.values.addresses)} addresses, at most {most}"
        template = pod.template
        finding = ctx.finding(
            rule,
            container.image_node,
            f"image {container.image_node.value!r} comes from {registry}, declared {protocol}, "
            f"but {template.describe} has no {key} listing {registry!r}"
            + (f" ({template.annotations_path})" if template.describe != template.where else "")
            + (injection_hint(ctx) if template.injected else "")
            + full,
            obj=pod.obj.ref,
            container=container.name,
            fix=fix,
        )
        if ctx.source:
            finding.extra = {
                "lasting-fix": lasting_fix(key, registry, ctx.source),
                "lasting-fix-annotation": f'{key}: "{registry}"',
            }
        if template.injected:
            yield UnlessInjectedPodsCover(
                UnlessGlobal(finding, role, registry),
                role,
                registry,
                pod.obj.namespace,
                selector_of(template.selector),
                get_text(pod.obj.node, "spec", "namespace"),
            )
        elif any(s.role == role and s.placement == "pod" for s in pod.sites):
            yield finding  # the pod's own annotation overrides the cluster-wide default
        else:
            yield UnlessGlobal(finding, role, registry)


def injection_hint(ctx: Context) -> str:
    return (
        "; Kruise copies spec.patchPodMetadata annotations to the pods only for keys allowed by "
        "SidecarSet_PatchPodMetadata_WhiteList in the ConfigMap kruise-system/"
        "kruise-configuration (or with the feature gate SidecarSetPatchPodMetadataDefaultsAllowed)"
    )


def lasting_fix(key: str, registry: str, template: str) -> str:
    """Rendered output is regenerated: say where the fix belongs in the chart."""
    chart = template.split("/templates/", 1)[0]
    return (
        f"lasting fix: {template} is rendered from the chart; set the pod annotations in "
        f"{chart}'s values (most charts expose podAnnotations):\n"
        f'  podAnnotations:\n    {key}: "{registry}"'
    )


@check("undeclared_registry")
def undeclared_registry(rule: Rule, pod: PodView, ctx: Context) -> Iterator[UnlessDeclaredGlobally]:
    seen: set[str] = set()
    for container in pod.containers:
        if container.image is None:
            continue
        registry = container.image.registry
        if registry in seen or ctx.settings.protocol_of(registry) is not None:
            continue
        seen.add(registry)
        if ctx.catalog.classify(registry) is not Kind.SELF_HOSTED:
            continue
        if _listed_anywhere(pod, registry):
            continue
        finding = ctx.finding(
            rule,
            container.image_node,
            f"image {container.image_node.value!r} comes from {registry}, which looks "
            f"self-hosted and is not declared: add to .ekslint.yaml\n"
            f'  registries:\n    - host: "{registry}"\n'
            f"      protocol: http  # or https-self-signed, or https if its certificate is trusted",
            obj=pod.obj.ref,
            container=container.name,
        )

        overridden = frozenset(s.role for s in pod.sites if s.placement == "pod")
        yield UnlessDeclaredGlobally(finding, registry, overridden)


def _pod_sites(pod: PodView) -> list[AnnotationSite]:
    return [s for s in pod.sites if s.placement == "pod"]


@check("missing_port")
def missing_port(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in _pod_sites(pod):
        # Ports by host, once per annotation: linear in the images and entries (comparing
        # each port-less entry with every other entry was quadratic). Ports declared to serve
        # some other way (10.0.0.7:8080 declared http is no port of an insecure entry) are left
        # out.
        used = set(pod.registries_for(site))
        used_ports = _ports_by_host(
            r for r in used if ctx.settings.protocol_of(r) in (None, PROTOCOL_OF_ROLE[site.role])
        )
        replacements: dict[str, str] = {}
        problems: list[str] = []
        listed_ports = _ports_by_host(site.values.registries)
        for entry in site.values.registries:
            host, port = split_host_port(entry)
            if port is not None:
                continue
            # Ports the images use with this host that no entry names.
            ports = sorted(used_ports.get(host, set()) - listed_ports.get(host, set()))
            if not ports:
                continue
            problems.append(f"{entry!r} has no port; the images use {host}:{'/'.join(ports)}")
            if len(ports) == 1:
                with_port = f"{host}:{ports[0]}"
                # Keep the bare host when images also use it without a port.
                replacements[entry] = f"{entry},{with_port}" if entry in used else with_port
        if not problems:
            continue
        from ekslint.fix.annotations import set_value  # only when there is a finding

        fix = None
        if len(replacements) == len(problems):
            names = [replacements.get(r, r) for r in site.values.registries]
            fix = ctx.fix(
                rule, "add the port", set_value(ctx, site, ",".join(dict.fromkeys(names)))
            )
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key}: " + "; ".join(problems) + " (the runtime matches host:port exactly)",
            obj=pod.obj.ref,
            fix=fix,
        )


def _ports_by_host(registries: Iterable[str]) -> dict[str, set[str]]:
    ports: dict[str, set[str]] = {}
    for registry in registries:
        host, port = split_host_port(registry)
        if port:
            ports.setdefault(host, set()).add(port)
    return ports


@check("unused_entry")
def unused_entry(rule: Rule, pod: PodView, ctx: Context) -> Iterator[UnlessSidecarUses]:
    for site in _pod_sites(pod):
        if site.values.is_all:
            continue
        used = set(pod.registries_for(site))
        used_hosts = {split_host_port(r)[0] for r in used}
        unused = [
            r
            for r in site.values.registries
            if r not in used
            and r not in used_hosts  # a host without its port is EKS003's
            and not (ctx.catalog.is_public(r) and ctx.settings.protocol_of(r) is None)  # EKS014
            and ctx.settings.protocol_of(r) != "https"  # EKS014 too
        ]
        if not unused:
            continue
        from ekslint.fix.annotations import remove_annotation, set_value

        keep = [r for r in site.values.registries if r not in unused]
        value = site.values.rewritten(keep)
        edit = set_value(ctx, site, value) if keep else remove_annotation(ctx, site)
        finding = ctx.finding(
            rule,
            site.value_node,
            f"{site.key} lists {', '.join(unused)}, which no container of this pod uses",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, f"remove {', '.join(unused)}", edit),
        )
        # A sidecar a SidecarSet injects may be the one that uses it.
        labels = pod_labels(pod.template)
        yield UnlessSidecarUses(finding, pod.obj.namespace, labels, unused)
