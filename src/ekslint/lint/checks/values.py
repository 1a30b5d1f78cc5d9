"""How a registry annotation's value is written: separators, entries, `all`, public registries."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.fix.annotations import remove_annotation, set_value
from ekslint.kube.pods import AnnotationSite, PodView
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
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key} separates registries with {', '.join(site.values.bad_separators)}; "
            "only ',' separates entries",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, "separate with ','", set_value(ctx, site, site.values.normalised())),
            line_offset=site.line_offset,
            column_offset=site.column_offset,
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
            line_offset=site.line_offset,
            column_offset=site.column_offset,
        )


_PROTOCOL_OF_ROLE = {"http": "http", "insecure": "https-self-signed"}


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
            and ctx.settings.protocol_of(r) in (None, _PROTOCOL_OF_ROLE[site.role])
        ]
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
            line_offset=site.line_offset,
            column_offset=site.column_offset,
        )


@check("trusted_listed")
def trusted_listed(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in value_sites(pod):
        public = [
            r
            for r in site.values.registries
            if ctx.catalog.classify(r) is Kind.PUBLIC and ctx.settings.protocol_of(r) is None
        ]
        if not public:
            continue
        keep = [r for r in site.values.registries if r not in public]
        parts = ["all"] if site.values.is_all else []
        parts += [site.values.rewritten(keep)] if keep else []
        edit = set_value(ctx, site, ",".join(parts)) if parts else remove_annotation(ctx, site)
        yield ctx.finding(
            rule,
            site.value_node,
            f"{site.key} lists {', '.join(public)}: public and cloud registries serve trusted "
            "HTTPS and must not be listed",
            obj=pod.obj.ref,
            fix=ctx.fix(rule, f"remove {', '.join(public)}", edit),
            line_offset=site.line_offset,
            column_offset=site.column_offset,
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
                line_offset=site.line_offset,
                column_offset=site.column_offset,
            )
