"""Fixes that must not corrupt data, and writes that must not lose or misplace any.

Each case here once came out of ``--fix`` reported "fixed" with the data changed: a key turned
into a string, a line of the document deleted, a mapping deleted with its neighbours, a duplicate
key, JSON rewritten as YAML, a report about text that was never written. Then the guard that
catches the kind (every fixed document re-read and compared with the original) and the file
writes (changed on disk, symlinks out of the tree, owner and mode, read-only, a full disk).
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Result, run
from ekslint.fix import fixer
from ekslint.input.yamlnodes import compose_documents, mapping_entries

HTTP_KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"
LAB = "10.0.0.1:5000"


def fix(path: Path, *args: str) -> Result:
    return run([str(path), "--fix", "--isolated", "--format", "json", *args])


def fix_text(tmp_path: Path, text: str, *args: str, name: str = "m.yaml") -> tuple[Result, str]:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    result = fix(path, *args)
    return result, path.read_bytes().decode("utf-8")


def converged(tmp_path: Path, text: str, *args: str, name: str = "m.yaml") -> tuple[Result, str]:
    """Fix, then check a second fix changes nothing and nothing fixable is left."""
    result, fixed = fix_text(tmp_path, text, *args, name=name)
    again = fix(tmp_path / name, *args)
    assert (tmp_path / name).read_bytes().decode("utf-8") == fixed, "a second --fix changed it"
    assert not [f for f in again.json["findings"] if f["fix"]["available"]]
    return result, fixed


def docs(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


# -- an empty value next to a misplaced copy ----------------------------------------------

NULL_VALUE = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
  annotations:
    {HTTP_KEY}: {LAB}
spec:
  template:
    metadata:
      annotations:
        {HTTP_KEY}:
    spec:
      containers:
      - name: c
        image: {LAB}/app:1
"""


def test_an_empty_value_filled_in_keeps_its_key(tmp_path: Path) -> None:
    result, fixed = converged(tmp_path, NULL_VALUE)
    assert result.code == 0, result.out
    assert fixed == NULL_VALUE.replace(f"  annotations:\n    {HTTP_KEY}: {LAB}\n", "", 1).replace(
        f"{HTTP_KEY}:\n", f"{HTTP_KEY}: {LAB}\n"
    )
    template = docs(fixed)[0]["spec"]["template"]
    assert template["metadata"]["annotations"] == {HTTP_KEY: LAB}


# -- every line break libyaml knows --------------------------------------------------------

ODD_BREAKS = ["\r", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", ODD_BREAKS, ids=["CR", "NEL", "LS", "PS"])
def test_a_public_registry_removed_before_an_odd_line_break(tmp_path: Path, brk: str) -> None:
    # EKS014 deletes the annotation, and with it its annotations block: the next line, which
    # follows a break only libyaml sees, is `spec:` and must stay.
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n"
        f'    {HTTP_KEY}: "docker.io"{brk}spec:\n  containers:\n  - name: c\n    image: nginx:1\n'
    )
    result, fixed = converged(tmp_path, text)
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS014"]
    assert docs(fixed) == [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1"}]},
        }
    ]


@pytest.mark.parametrize("brk", ODD_BREAKS, ids=["CR", "NEL", "LS", "PS"])
def test_an_annotation_moved_across_an_odd_line_break(tmp_path: Path, brk: str) -> None:
    text = (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a{brk}  annotations:\n"
        f"    {HTTP_KEY}: {LAB}\nspec:\n  template:{brk}    spec:\n      containers:\n"
        f"      - name: c\n        image: {LAB}/app:1\n"
    )
    result, fixed = converged(tmp_path, text)
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS006"]
    (doc,) = docs(fixed)
    assert doc["metadata"] == {"name": "a"}
    assert doc["spec"]["template"]["metadata"] == {"annotations": {HTTP_KEY: LAB}}
    assert doc["spec"]["template"]["spec"]["containers"][0]["image"] == f"{LAB}/app:1"
    assert fixed.count("annotations:") == 1


@pytest.mark.parametrize("brk", ODD_BREAKS, ids=["CR", "NEL", "LS", "PS"])
def test_an_annotation_inserted_after_an_odd_line_break_is_inserted_once(
    tmp_path: Path, brk: str
) -> None:
    # The insertion point is the end of `metadata`, the odd break after `name: a`: inserted one
    # line too late, under `spec`, it never satisfied the rule, and every round added another.
    text = (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a{brk}spec:\n  containers:\n"
        f"  - name: c\n    image: {LAB}/app:1\n"
    )
    result, fixed = converged(tmp_path, text, "--http-registry", LAB)
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS001"]
    assert fixed == text.replace(
        f"{brk}spec:", f'{brk}  annotations:\n    {HTTP_KEY}: "{LAB}"\nspec:'
    )


def test_a_file_broken_by_lone_crs_gets_new_lines_broken_the_same_way(tmp_path: Path) -> None:
    lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: a", "spec:", "  containers:"]
    text = "\r".join([*lines, "  - name: c", f"    image: {LAB}/app:1", ""])
    result, fixed = converged(tmp_path, text, "--http-registry", LAB)
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS001"]
    assert "\n" not in fixed
    assert docs(fixed)[0]["metadata"]["annotations"] == {HTTP_KEY: LAB}


# -- merge keys and aliases ----------------------------------------------------------------

MERGED_LABELS = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  template:
    metadata:
      labels:
        <<: {{{HTTP_KEY}: "{LAB}", team: x}}
{{other}}    spec:
      containers:
      - name: c
        image: {LAB}/app:1
"""


@pytest.mark.parametrize("other", ["", "        other: z\n"], ids=["alone", "beside-a-key"])
def test_an_annotation_merged_into_labels_is_not_moved_by_deleting_its_source(
    tmp_path: Path, other: str
) -> None:
    text = MERGED_LABELS.replace("{other}", other)
    lint = run([str(_write(tmp_path, text)), "--isolated", "--format", "json"])
    assert lint.code == 1, lint.err  # findings, no traceback
    (finding,) = lint.json["findings"]
    assert finding["rule"] == "EKS006" and not finding["fix"]["available"]
    assert [n["message"] for n in lint.json["notes"]] == [
        f"line 9: no fix offered: {HTTP_KEY} comes from a merge key (<<:), and deleting it "
        "where it is written would change every mapping that merges it"
    ]
    result, fixed = fix_text(tmp_path, text)
    assert fixed == text and result.json["fixed"] == []


SHARED = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  template:
    metadata:
      annotations: &shared
        {HTTP_KEY}: "{LAB}"
    spec:
      containers:
      - name: c
        image: {LAB}/app:1
      - name: d
        image: 10.0.0.2:5000/app:1
  other: *shared
"""


def test_an_edit_inside_an_aliased_node_is_refused_with_a_note(tmp_path: Path) -> None:
    result, fixed = fix_text(
        tmp_path, SHARED, "--http-registry", LAB, "--http-registry", "10.0.0.2:5000"
    )
    assert fixed == SHARED
    assert result.json["fixed"] == []
    (note,) = result.json["notes"]
    assert note["message"].startswith("not fixed: EKS001 at 15:16 (add 10.0.0.2:5000 to ")
    assert "an anchored node that an alias repeats elsewhere" in note["message"]


def test_an_edit_inside_an_inline_merge_source_is_exact(tmp_path: Path) -> None:
    text = (
        MERGED_LABELS.replace("labels", "annotations")
        .replace(f'"{LAB}"', f'"docker.io,{LAB}"')
        .replace("{other}", "        other: z\n")
    )
    result, fixed = converged(tmp_path, text)
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS014"]
    assert fixed == text.replace(f'"docker.io,{LAB}"', f'"{LAB}"')


# -- renames into one key ------------------------------------------------------------------

TWO_MISSPELLINGS = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: a
spec:
  template:
    metadata:
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpiont: "{LAB}"
        eks.tke.cloud.tencent.com/registry-htp-endpoint: "{LAB}"
    spec:
      containers:
      - name: c
        image: {LAB}/app:1
"""


def test_two_misspellings_of_one_key_are_not_both_renamed_to_it(tmp_path: Path) -> None:
    result, fixed = fix_text(tmp_path, TWO_MISSPELLINGS, "--unsafe-fixes", "--http-registry", LAB)
    assert fixed == TWO_MISSPELLINGS
    assert [f["rule"] for f in result.json["findings"]] == ["EKS007", "EKS007"]
    assert not any(f["fix"]["available"] for f in result.json["findings"])
    for root in compose_documents(fixed):
        assert root is not None
        mapping_entries(root)  # no duplicate key at the top; and none below:
    assert "duplicate" not in result.out


# -- JSON stays JSON -----------------------------------------------------------------------

POD_JSON = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "a"},
    "spec": {"containers": [{"name": "c", "image": f"{LAB}/app:1"}]},
}


def _deployment(template_metadata: object, moved: bool = True) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "a"}
    if moved:
        metadata["annotations"] = {HTTP_KEY: LAB}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "template": {
                "metadata": template_metadata,
                "spec": {"containers": [{"name": "c", "image": f"{LAB}/app:1"}]},
            }
        },
    }


JSON_CASES = {
    "annotations-null": (
        {**POD_JSON, "metadata": {"name": "a", "annotations": None}},
        ["--http-registry", LAB],
    ),
    "metadata-null": (_deployment(None), []),
    "template-annotations-null": (_deployment({"annotations": None}), []),
    "value-null": (_deployment({"annotations": {HTTP_KEY: None}}), []),
}


@pytest.mark.parametrize("case", JSON_CASES)
def test_a_json_manifest_with_a_null_stays_json(tmp_path: Path, case: str) -> None:
    data, args = JSON_CASES[case]
    result, fixed = converged(tmp_path, json.dumps(data) + "\n", *args, name="m.json")
    assert result.json["fixed"], result.out
    fixed_data = json.loads(fixed)  # JSON, not YAML flow style
    template = fixed_data if fixed_data["kind"] == "Pod" else fixed_data["spec"]["template"]
    assert template["metadata"]["annotations"] == {HTTP_KEY: LAB}


@pytest.mark.parametrize(
    "written",
    ['"imagePullSecrets": null, ', '"imagePullSecrets": [], ', ""],
    ids=["null", "[]", "none"],
)
def test_a_pull_secret_added_to_json_stays_json(tmp_path: Path, written: str) -> None:
    config = tmp_path / "ekslint.yaml"
    config.write_text("pull-secrets:\n  mytcr.tencentcloudcr.com: mytcr-pull\n")
    text = (
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {'
        + written
        + '"containers": [{"name": "c", "image": "mytcr.tencentcloudcr.com/team/app:1"}]}}\n'
    )
    result, fixed = converged(tmp_path, text, "--config", str(config), name="m.json")
    assert [f["rule"] for f in result.json["fixed"]] == ["EKS009"]
    assert result.json["notes"] == []
    assert json.loads(fixed)["spec"]["imagePullSecrets"] == [{"name": "mytcr-pull"}]


# -- a failed write reports what the file still says ---------------------------------------

PUBLIC = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: a
  annotations:
    {HTTP_KEY}: "docker.io,{LAB}"
spec:
  containers:
  - name: c
    image: {LAB}/app:1
"""


def _write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _reported(result: Result) -> tuple[list[str], list[str], list[str]]:
    report = result.json
    return (
        [f["rule"] for f in report["findings"]],
        [f["rule"] for f in report["fixed"]],
        [e["message"] for e in report["errors"]],
    )


def test_a_write_that_fails_reports_the_original_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, PUBLIC)

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fixer, "_create_temporary", full)
    result = fix(path)
    assert result.code == 2
    findings, fixed, errors = _reported(result)
    assert findings == ["EKS014"] and fixed == []
    assert errors == ["not fixed: cannot create a temporary file: No space left on device"]
    assert path.read_text(encoding="utf-8") == PUBLIC


def test_a_full_disk_while_writing_leaves_the_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, PUBLIC)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        real_fsync(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fixer.os, "fsync", full)
    result = fix(path)
    assert result.code == 2 and "Traceback" not in result.err
    findings, fixed, errors = _reported(result)
    assert findings == ["EKS014"] and fixed == []
    assert errors == ["not fixed: cannot write: No space left on device"]
    assert path.read_text(encoding="utf-8") == PUBLIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_reports_the_original_findings(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = _write(folder, PUBLIC)
    folder.chmod(0o555)
    try:
        result = fix(path)
    finally:
        folder.chmod(0o755)
    findings, fixed, errors = _reported(result)
    assert findings == ["EKS014"] and fixed == []
    assert errors == ["not fixed: cannot create a temporary file: Permission denied"]


# -- concurrent writers --------------------------------------------------------------------


def test_a_file_saved_while_ekslint_fixes_it_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other writer saves after the temporary file is written, just before the rename, with
    # the same size and modification time (a stat alone would not see it).
    path = _write(tmp_path, PUBLIC)
    theirs = PUBLIC.replace("name: a", "name: b")
    real_fsync = os.fsync

    def save_meanwhile(fd: int) -> None:
        real_fsync(fd)
        before = path.stat()
        path.write_text(theirs, encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    monkeypatch.setattr(fixer.os, "fsync", save_meanwhile)
    result = fix(path)
    assert result.code == 2
    findings, fixed, errors = _reported(result)
    assert findings == ["EKS014"] and fixed == []
    assert errors == ["not fixed: the file changed on disk while ekslint was fixing it"]
    assert path.read_text(encoding="utf-8") == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


# -- symlinks, owner, mode, read-only ------------------------------------------------------


def _tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    target = _write(outside, PUBLIC, "target.yaml")
    (tree / "link.yaml").symlink_to(target)
    _write(tree, PUBLIC, "plain.yaml")
    return tree, outside, target


def test_a_symlink_leading_outside_the_tree_is_not_written_through(tmp_path: Path) -> None:
    tree, _, target = _tree(tmp_path)
    result = run([str(tree), "--fix", "--isolated", "--format", "json"])
    assert result.code == 2
    report = result.json
    assert [(f["path"], f["rule"]) for f in report["fixed"]] == [
        (str(tree / "plain.yaml"), "EKS014")
    ]
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        (
            str(tree / "link.yaml"),
            "not fixed: it is a symlink to a file outside the paths given "
            "(--fix-outside-links writes there)",
        )
    ]
    assert target.read_text(encoding="utf-8") == PUBLIC
    assert (tree / "link.yaml").is_symlink()
    # Named on the command line, the link is no more trusted: its folder is the tree.
    assert fix(tree / "link.yaml").code == 2
    assert target.read_text(encoding="utf-8") == PUBLIC


def test_a_symlink_outside_the_tree_is_written_through_when_asked(tmp_path: Path) -> None:
    tree, _, target = _tree(tmp_path)
    result = run([str(tree), "--fix", "--isolated", "--format", "json", "--fix-outside-links"])
    assert result.code == 0, result.out
    assert "docker.io" not in target.read_text(encoding="utf-8")
    assert (tree / "link.yaml").is_symlink()


def test_a_symlink_inside_the_tree_is_written_through(tmp_path: Path) -> None:
    tree, outside, _ = _tree(tmp_path)
    target = _write(outside, PUBLIC, "target.txt")  # not a manifest name: only the link is read
    (tree / "link.yaml").unlink()
    (tree / "link.yaml").symlink_to(target)
    result = run([str(tmp_path), "--fix", "--isolated", "--format", "json"])
    assert result.code == 0, result.out
    assert "docker.io" not in target.read_text(encoding="utf-8")
    assert (tree / "link.yaml").is_symlink()


def test_a_read_only_file_is_refused_unless_asked(tmp_path: Path) -> None:
    path = _write(tmp_path, PUBLIC, "ro.yaml")
    other = _write(tmp_path, PUBLIC, "rw.yaml")
    path.chmod(0o444)
    result = run([str(tmp_path), "--fix", "--isolated", "--format", "json"])
    assert result.code == 2
    assert [e["message"] for e in result.json["errors"]] == [
        "not fixed: the file is read-only (--fix-read-only replaces it)"
    ]
    assert path.read_text(encoding="utf-8") == PUBLIC
    assert "docker.io" not in other.read_text(encoding="utf-8")  # the others are still fixed
    result = run([str(path), "--fix", "--isolated", "--format", "json", "--fix-read-only"])
    assert result.code == 0, result.out
    assert "docker.io" not in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o444


def test_the_mode_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, PUBLIC)
    path.chmod(0o640)
    assert fix(path).code == 0
    assert path.stat().st_mode & 0o7777 == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_the_owner_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, PUBLIC)
    os.chown(path, 4321, 4322)
    assert fix(path).code == 0
    assert "docker.io" not in path.read_text(encoding="utf-8")
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)


# -- the guard -----------------------------------------------------------------------------


def test_a_fix_that_would_change_other_data_is_dropped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A builder gone wrong: its deletion also takes the next line. The guard must catch it,
    # whatever the bug; the other fixes of the file still apply.
    from ekslint.fix import edits
    from ekslint.input.read import Chunk

    real = edits.delete_entry

    def greedy(chunk: Chunk, *args: Any, **kwargs: Any) -> Any:
        edit = real(chunk, *args, **kwargs)
        return type(edit)(edit.start, chunk.line_end(edit.end), edit.replacement)

    monkeypatch.setattr("ekslint.fix.annotations.delete_entry", greedy)
    text = PUBLIC.replace(f'"docker.io,{LAB}"', '"docker.io"') + (
        "---\n" + PUBLIC.replace("name: a", "name: b").replace("docker.io,", "docker.io;")
    )
    result, fixed = fix_text(tmp_path, text)
    report = result.json
    assert [(f["rule"], f["line"]) for f in report["fixed"]] == [("EKS004", 17), ("EKS014", 17)]
    (note,) = report["notes"]
    assert note["message"] == (
        "not fixed: EKS014 at 6:55 (remove docker.io): the fixed document would not mean the "
        "same: spec was removed"
    )
    first, second = docs(fixed)
    assert first == docs(text)[0]
    assert second["metadata"]["annotations"] == {HTTP_KEY: LAB}


def test_one_bad_fix_among_many_in_one_document_is_the_only_one_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekslint.fix import edits
    from ekslint.input.read import Chunk

    real = edits.delete_entry

    def greedy(chunk: Chunk, *args: Any, **kwargs: Any) -> Any:
        edit = real(chunk, *args, **kwargs)
        return type(edit)(edit.start, chunk.line_end(edit.end), edit.replacement)

    monkeypatch.setattr("ekslint.fix.annotations.delete_entry", greedy)
    item = (
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: {name}\n    annotations:\n"
        f'      {HTTP_KEY}: "{{value}}"\n'
        "  spec:\n    containers: [{{name: c, image: nginx}}]\n"
    )
    values = ["docker.io,a.corp:5000"] * 3 + ["docker.io"] + ["docker.io,b.corp:5000"] * 3
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        item.format(name=f"p{i}", value=v) for i, v in enumerate(values)
    )
    result, fixed = fix_text(tmp_path, text)
    assert [f["line"] for f in result.json["fixed"]] == [9, 17, 25, 41, 49, 57]
    assert [n["message"].split(":")[0:2] for n in result.json["notes"]] == [
        ["not fixed", " EKS014 at 33"]
    ]
    assert fixed.count("docker.io") == 1


def guard_says(before: str, after: str) -> str | None:
    from ekslint.fix.guard import Guard

    return Guard("eks.tke.cloud.tencent.com/").unintended_change(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # registry annotations added, rewritten, moved, renamed
        ("metadata: {name: a}\n", f"metadata: {{name: a, annotations: {{{HTTP_KEY}: x}}}}\n"),
        (
            f"metadata: {{annotations: {{{HTTP_KEY}: a}}}}\n",
            f"metadata: {{annotations: {{{HTTP_KEY}: b}}}}\n",
        ),
        (
            f"metadata: {{annotations: {{{HTTP_KEY}: a}}}}\nspec: {{template: {{}}}}\n",
            "metadata: {}\n"
            f"spec: {{template: {{metadata: {{annotations: {{{HTTP_KEY}: a}}}}}}}}\n",
        ),
        (f"metadata: {{labels: {{{HTTP_KEY}: a, app: b}}}}\n", "metadata: {labels: {app: b}}\n"),
        # non-string annotation values quoted
        (
            "metadata: {annotations: {a: true, b: 1.5, c: , d: 2020-01-01}}\n",
            "metadata: {annotations: {a: 'true', b: '1.5', c: '', d: '2020-01-01'}}\n",
        ),
        # a non-string annotation value left as it was, beside a registry annotation added
        # (found by the fix property test: the guard took the unchanged 8080 for a change)
        (
            "metadata: {annotations: {port: 8080}}\n",
            f"metadata: {{annotations: {{port: 8080, {HTTP_KEY}: x}}}}\n",
        ),
        (  # the same for a date-like value kubectl reads as a string (the reviewer's case)
            "metadata: {annotations: {build-date: 2024-01-15}}\n",
            f"metadata: {{annotations: {{build-date: 2024-01-15, {HTTP_KEY}: x}}}}\n",
        ),
        # pull secrets added
        ("spec: {containers: []}\n", "spec: {containers: [], imagePullSecrets: [{name: s}]}\n"),
        ("spec: {imagePullSecrets: []}\n", "spec: {imagePullSecrets: [{name: s}]}\n"),
        # recursion and aliases terminate
        ("a: &x [*x]\n", "a: &x [*x]\n"),
        # what PyYAML cannot construct still compares, as written
        (
            "a: !Ref x\nb: 2020-13-45\nc: !!int x\nmetadata: {}\n",
            f"a: !Ref x\nb: 2020-13-45\nc: !!int x\nmetadata: {{annotations: {{{HTTP_KEY}: y}}}}\n",
        ),
        # a merge key's entries are the mapping's
        ("metadata: {annotations: {<<: {a: b}}}\n", "metadata: {annotations: {a: b}}\n"),
    ],
)
def test_the_guard_lets_intended_changes_pass(before: str, after: str) -> None:
    assert guard_says(before, after) is None


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (
            "metadata: {annotations: {a: b}}\n",
            "metadata: {annotations: {}}\n",
            "metadata.annotations.a was removed",
        ),
        (
            "metadata: {annotations: {a: b}}\n",
            "metadata: {annotations: 'a: b'}\n",
            "metadata.annotations changed",
        ),
        (
            "metadata: {annotations: {a: '1'}}\n",
            "metadata: {annotations: {a: 1}}\n",
            "metadata.annotations.a changed",
        ),
        (
            "metadata: {annotations: {a: 1}}\n",
            "metadata: {annotations: {a: '2'}}\n",
            "metadata.annotations.a changed",
        ),
        (
            "metadata: {labels: {a: b}}\n",
            "metadata: {labels: {a: c}}\n",
            "metadata.labels.a changed",
        ),
        ("a: 1\nb: 2\n", "a: 1\n", "b was removed"),
        ("a: !Ref x\n", "a: !Ref y\n", "a changed"),
        ("a: !!int x\n", "a: x\n", "a changed"),
        (
            "metadata: {annotations: {<<: {a: b}, c: d}}\n",
            "metadata: {annotations: {c: d}}\n",
            "metadata.annotations.a was removed",
        ),
        ("a: 1\n", "a: true\n", "a changed"),
        ("a: [1, 2]\n", "a: [1]\n", "a had 2 items, now 1"),
        (
            "spec: {imagePullSecrets: [{name: a}]}\n",
            "spec: {imagePullSecrets: [{name: b}]}\n",
            "spec.imagePullSecrets[0].name changed",
        ),
        ("a: 1\n", "a: 1\n---\nb: 2\n", "1 documents became 2"),
        ("a: 1\n", "a: [\n", "the fixed text does not parse"),
        ('{"a": null}\n', "{a: null}\n", "a JSON document would no longer be JSON"),
        (
            "metadata: {annotations: {x: 1}}\n",
            f"metadata: {{annotations: {{{HTTP_KEY}: a, {HTTP_KEY}: b}}}}\n",
            f"duplicate key {HTTP_KEY!r}",
        ),
    ],
)
def test_the_guard_stops_everything_else(before: str, after: str, problem: str) -> None:
    found = guard_says(before, after)
    assert found is not None and found.startswith(problem), found
