"""Where annotations sit and how they are spelt and typed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ekslint.input.yamlnodes import (
    MappingNode,
    ScalarNode,
    get,
    is_null,
    mapping_entries,
    scalar_type,
)
from ekslint.kube.objects import KubeObject
from ekslint.kube.pods import AnnotationSite, PodView
from ekslint.lint.checks import check
from ekslint.lint.checks.coverage import injection_hint
from ekslint.lint.context import Context
from ekslint.lint.findings import Edit, Finding
from ekslint.lint.rulepack import Rule
from ekslint.record import record


@record
class ObjectView:
    obj: KubeObject
    pods: list[PodView]

    def annotation_maps(self) -> Iterator[MappingNode]:
        """Every annotations mapping of the object and of its pod templates, once each."""
        seen: set[int] = set()
        candidates = [get(self.obj.metadata, "annotations")] if self.obj.metadata else []
        candidates += [m for p in self.pods for m in p.annotation_maps]
        for node in candidates:
            if isinstance(node, MappingNode) and id(node) not in seen:
                seen.add(id(node))
                yield node


@check("misplaced")
def misplaced(rule: Rule, pod: PodView, ctx: Context) -> Iterator[Finding]:
    for site in pod.sites:
        if site.placement not in ("labels", "other-metadata") or site.reported_elsewhere:
            continue
        from ekslint.fix.annotations import (  # only for a misplaced annotation
            add_registries,
            inserts_in_flow,
            leading_comments,
            pod_site,
            remove_annotation,
            trailing_comment,
            with_comment_lines,
        )

        if site.placement == "other-metadata" and _copied_into_template(pod, site):
            continue  # e.g. Kustomize commonAnnotations: the pod template has it too
        # A comment at the end of the annotation's line moves with it into a new annotation.
        # So do the comment lines right above it.
        comment = None
        above: tuple[tuple[int, ...], list[str]] = ((), [])
        if pod_site(pod, site.role) is None and not inserts_in_flow(pod):
            comment = trailing_comment(ctx, site)
            above = leading_comments(ctx, site)
        moved, text = comment if comment is not None else (-1, "")
        registries = site.values.registries or ["all"]
        added = add_registries(ctx, pod, site.role, registries, "  " + text if text else "")
        key = ctx.platform.annotations[site.role]
        carried = [
            None if edit is None else with_comment_lines(ctx, edit, key, above[1]) for edit in added
        ]
        if carried == added:
            above = ((), [])  # nowhere to put them: they stay where they are
        removal = remove_annotation(
            ctx, site, moved_comment=moved, moved_lines=above[0], root=pod.obj.node
        )
        fix = None
        if removal is not None and carried and None not in carried:
            edits = [removal, *(edit for edit in carried if edit is not None)]
            fix = ctx.fix(rule, "move it into the pod template", *_ordered(edits))
        # Moving an annotation into metadata it was removed from (a Pod's labels) is one edit
        # inside another: let the two overlap only when they touch different characters.
        where = "labels" if site.placement == "labels" else site.where
        yield ctx.finding(
            rule,
            site.key_node,
            f"{site.key} on {where} has no effect: registry annotations belong in the pod "
            f"template ({pod.template.annotations_path})"
            + (injection_hint(ctx) if pod.template.injected else ""),
            obj=pod.obj.ref,
            fix=fix,
        )


def _copied_into_template(pod: PodView, site: AnnotationSite) -> bool:
    """The same annotation, with the same registries, is also where it belongs."""
    from ekslint.fix.annotations import pod_site

    own = pod_site(pod, site.role)
    return (
        own is not None
        and own.values.registries == site.values.registries
        and (own.values.is_all == site.values.is_all)
    )


def _ordered(edits: list[Edit]) -> list[Edit]:
    return sorted(edits, key=lambda e: (e.start, e.end))


@check("unknown_key")
def unknown_key(rule: Rule, view: ObjectView, ctx: Context) -> Iterator[Finding]:
    """A key under the platform's prefix that is a likely typo of a known one, in pod metadata
    only: other objects (a Node's annotations, an eks-config ConfigMap's own) carry keys of
    their own, and a key far from every known one is more likely undocumented than misspelt."""
    platform = ctx.platform
    templates = {id(p.annotations): p.annotations for p in view.pods}
    for mapping in templates.values():
        if not isinstance(mapping, MappingNode):
            continue
        entries = mapping_entries(mapping)
        unknown = {
            key: matches
            for key in entries
            if key.startswith(platform.prefix) and key not in platform.known_annotations
            for matches in [platform.likely_typos(key)]
            if matches
        }
        # The one known key each is one edit from, if exactly one; and how many keys of this
        # mapping would be renamed to each.
        nearest = {
            key: one[0]
            for key, matches in unknown.items()
            for one in [[known for edits, known in matches if edits == 1]]
            if len(one) == 1
        }
        targets = Counter(nearest.values())
        for key, matches in unknown.items():
            key_node = entries[key][0]
            fix = None
            target = nearest.get(key)
            if target is not None and target not in entries and targets[target] == 1:
                from ekslint.fix.edits import quote  # only when there is a finding

                # (With the right spelling already there, or two misspellings of it, a rename
                # makes a duplicate key.)
                edit = Edit(
                    key_node.start_mark.index, key_node.end_mark.index, quote(target, key_node)
                )
                fix = ctx.fix(rule, f"rename to {target}", edit, unsafe=True)
            hint = " or ".join(repr(known) for _, known in matches[:3])
            yield ctx.finding(
                rule,
                key_node,
                f"unknown annotation {key!r}: the platform ignores it; did you mean {hint}?",
                obj=view.obj.ref,
                fix=fix,
            )


_TYPE_NAMES = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "null"}


@check("not_string")
def not_string(rule: Rule, view: ObjectView, ctx: Context) -> Iterator[Finding]:
    if not view.pods:
        return  # ekslint checks what makes pods; other objects' typing is a schema linter's job
    for mapping in view.annotation_maps():
        for key, (key_node, value) in mapping_entries(mapping).items():
            kind = scalar_type(value)
            if kind == "str":
                continue
            if not isinstance(value, ScalarNode):
                yield ctx.finding(
                    rule,
                    value,
                    f"annotation {key!r} must be a string, not {kind}",
                    obj=view.obj.ref,
                )
                continue
            from ekslint.fix.edits import quote  # only when there is a finding

            text = "" if is_null(value) else str(value.value)
            edit: Edit | None
            if is_null(value) and value.start_mark.index == value.end_mark.index:
                # `key:` with nothing after it: insert the quotes after the colon; a flow key
                # with no colon at all (`{key}`) gets one.
                end = key_node.end_mark.index
                after = ctx.chunk.text[end:].lstrip(" \t")
                if after.startswith(":"):
                    at = ctx.chunk.text.index(":", end) + 1
                    edit = Edit(at, at, ' ""')
                elif after[:1] in (",", "}"):
                    edit = Edit(end, end, ': ""')
                else:
                    edit = None
                node = key_node
            else:
                edit = Edit(value.start_mark.index, value.end_mark.index, quote(text, _DQ))
                node = value
            yield ctx.finding(
                rule,
                node,
                f"annotation {key!r} is {_TYPE_NAMES.get(kind, kind)} ({text or 'empty'}); "
                f"annotation values must be strings: write {quote(text, _DQ)}",
                obj=view.obj.ref,
                fix=ctx.fix(rule, "quote the value", edit),
            )


_DQ = ScalarNode("tag:yaml.org,2002:str", "", style='"')


@check("suppression")
def suppression(rule: Rule, view: ObjectView, ctx: Context) -> Iterator[Finding]:
    """EKS018's findings come from the suppressions themselves, once a file is done."""
    return iter(())
