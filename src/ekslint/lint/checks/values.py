"""How a registry annotation's value is written: separators, entries, `all`, public registries."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.kube.pods import OTHER_ROLE, PROTOCOL_OF_ROLE, AnnotationSite, PodView
from ekslint.kube.registries import Kind
from ekslint.lint.checks import check
from ekslint.lint.context import Context
from ekslint.lint.findings import Finding
from ekslint.lint.rulepack import Rule


def value_sites(pod: PodView) -> list[AnnotationSite]:
    """Sites whose value the syntax rules judge: those in the right place (a misplaced or
    misspelt annotation is reported for that alone; its value is judged once it is moved)."""
    return [s for s in pod.sites if s.placement in ("pod", "global")]


@check("bad_separator")
def bad_separator(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in value_sites(pod):
        if not site.values.bad_separators:
            continue
        from ekslint.fix.annotations import set_value  # only when there is a finding

        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key} separates registries with {', '.join(site.values.bad_separators)}; "
            "only ',' separates entries",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, "separate with ','", set_value(ctx, site, site.values.normalised())),
        )


@check("malformed_entry")
def malformed_entry(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    syntax = ctx.platform.list_syntax
    for site in value_sites(pod):
        values = site.values
        if values.bad_separators:
            continue  # EKS004 rewrites the whole value
        problems = values.malformed()
        count = len(values.addresses)
        too_many = syntax.max_entries is not None and count > syntax.max_entries
        if too_many:
            problems.append(f"{count} entries; at most {syntax.max_entries}")
        if not problems:
            continue
        from ekslint.fix.annotations import remove_annotation, set_value

        fix = None
        if not too_many:
            normalised = values.normalised()
            edit = set_value(ctx, site, normalised) if normalised else remove_annotation(ctx, site)
            fix = ctx.fix(rule, "normalise the value", edit)
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key}: " + "; ".join(problems),
            obj=pod.obj.ref,
            fix=fix,
        )


@check("wildcard_all")
def wildcard_all(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in value_sites(pod):
        if not site.values.is_all:
            continue
        other = {r for s in value_sites(pod) if s.role != site.role for r in s.values.registries}
        needed = [
            r
            for r in pod.registries_for(site)
            if ctx.catalog.classify(r) is not Kind.PUBLIC
            and r not in other
            and ctx.settings.protocol_of(r) in (None, PROTOCOL_OF_ROLE[site.role])
        ]
        from ekslint.fix.annotations import remove_annotation, set_value

        fix = None
        if site.placement == "pod":
            edit = (
                set_value(ctx, site, ",".join(needed)) if needed else remove_annotation(ctx, site)
            )
            fix = ctx.fix(rule, "list the registries the pod uses", edit)
        what = "turns off TLS verification" if site.role == "insecure" else "uses plain HTTP"
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key}: 'all' {what} for every registry, public and cloud ones included"
            + (f"; this pod needs only {', '.join(needed)}" if needed else ""),
            obj=pod.obj.ref,
            fix=fix,
        )


@check("trusted_listed")
def trusted_listed(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in value_sites(pod):
        public = [r for r in site.values.registries if is_trusted(ctx, r) == "public"]
        declared = [r for r in site.values.registries if is_trusted(ctx, r) == "declared"]
        if not public and not declared:
            continue
        listed = public + declared
        described = [f"{r} (a public or cloud registry)" for r in public] + [
            f"{r} (declared https in the configuration)" for r in declared
        ]
        from ekslint.fix.annotations import remove_registries  # only when there is a finding

        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key} lists {', '.join(described)}: a registry serving trusted HTTPS must "
            "not be listed",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, f"remove {', '.join(listed)}", remove_registries(ctx, site, listed)),
        )


def is_trusted(ctx: Context, registry: str) -> str | None:
    """ "public" (a public or cloud registry nobody declared otherwise), "declared" (declared
    https), or None."""
    protocol = ctx.settings.protocol_of(registry)
    if protocol == "https":
        return "declared"
    if protocol is None and ctx.catalog.classify(registry) is Kind.PUBLIC:
        return "public"
    return None


@check("wrong_annotation")
def wrong_annotation(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    """A declared http registry listed only for skipping TLS verification, or a declared
    https-self-signed one listed only for plain HTTP: move the entry."""
    sites = [s for s in pod.sites if s.placement == "pod"]
    for site in sites:
        right_role = OTHER_ROLE[site.role]
        protocol = PROTOCOL_OF_ROLE[right_role]
        also_right = {r for s in sites if s.role == right_role for r in s.values.registries}
        wrong = [
            r
            for r in site.values.registries
            if ctx.settings.protocol_of(r) == protocol and r not in also_right  # else EKS015
        ]
        if not wrong:
            continue
        right_key = ctx.platform.annotations[right_role]
        from ekslint.fix.annotations import add_registries  # only when there is a finding

        # add_registries removes the moved entries from this annotation.
        edits = add_registries(ctx, pod, right_role, wrong)
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key} lists {', '.join(wrong)}, declared {protocol}: it belongs in {right_key}",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, f"move {', '.join(wrong)} to {right_key}", *edits) if edits else None,
        )


@check("conflicting")
def conflicting(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    sites = value_sites(pod)
    http = {r for s in sites if s.role == "http" for r in s.values.registries}
    for site in sites:
        if site.role != "insecure":
            continue
        both = [r for r in site.values.registries if r in http]
        if both:
            yield ctx.finding(
                rule,
                site.value_node,
                f"{', '.join(both)} listed in both {ctx.platform.annotations['http']} and "
                f"{site.key}; a registry serves either HTTP or HTTPS",
                obj=pod.obj.ref,
            )
