"""Cross-object context from the whole project, when only some of its files are linted.

pre-commit passes only the staged files; a Deployment whose ServiceAccount (with the pull
secret), pull Secret or ``eks-config`` defaults live in another, unchanged file would otherwise
get false findings, and ``--fix`` would write redundant ``imagePullSecrets``. So the rest of
the project is read for context only: findings are still reported for the inputs alone.

The project's root is the folder of the config file in use, else the git work tree, else the
working directory; inputs outside it get no context. Reading a thousand files on every commit
would cost more than linting the commit, so:

- a byte pre-scan skips every file that cannot hold a ServiceAccount, a Secret or the
  platform's defaults ConfigMap (most files: Deployments, Services, values files);
- what each remaining file contributes is kept in an index in the validated-data cache folder,
  keyed by the file's path, size, modification time and inode, so an unchanged file is not read
  again. The index is bounded (files per project, bytes per index, indexes kept).
"""

from __future__ import annotations

import os
import re

from ekslint.kube.inventory import Entry, GlobalDefault, Inventory, inventory_entry
from ekslint.lint.rulepack import Platform

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ekslint.input.project import Listing

_INDEX_FORMAT = 1
MAX_FILES = 50_000  # files indexed per project; beyond this the rest is not read for context
MAX_FILE_BYTES = 8_000_000  # a larger file is not read for context (it is not a Secret)
MAX_INDEX_BYTES = 8_000_000  # an index that would grow past this is not saved
MAX_INDEXES = 32  # one per project and platform; the least recently used go first
# A pattern string: re compiles it when first used (and keeps it), not at every import.
_KIND = rb"kind\W{0,6}(?:ServiceAccount|Secret)\b"

# Per file: (mtime_ns, size, inode), and for the few files that contribute anything, the
# entries and the global defaults as (role, annotation value). Most files contribute nothing:
# keeping them to a stamp keeps the index small and quick to load.
Stamp = tuple[int, int, int]
Found = tuple[list[Entry], list[tuple[str, str]]]
_NOTHING: Found = ([], [])


def project_root(inputs: list[str], config_path: str | None) -> str | None:
    """Where the project of ``inputs`` starts, or None when there is none to add: every input
    must lie inside the root, and none may be the root itself (then all is read anyway)."""
    from ekslint.input.project import git_root

    named = [p for p in inputs if p != "-"]
    if not named:
        return None
    if config_path is not None:
        root = os.path.dirname(os.path.abspath(config_path))
    else:
        root = git_root(named[0]) or os.getcwd()
    # input.project.is_within, with the root's side worked out once: a pre-commit run or a
    # folder's walk names a thousand files, each otherwise two abspath calls and a stat more.
    whole = os.path.abspath(root)
    inside = whole.rstrip(os.sep) + os.sep
    for path in named:
        full = os.path.abspath(path)
        if full == whole:
            if os.path.isdir(path):
                return None  # the root itself is linted
        elif not full.startswith(inside):
            return None
    return root


def load_context(
    inventory: Inventory,
    platform: Platform,
    listing: Listing,
    inputs: Iterable[str],
    excluded: Callable[[str], bool],
) -> None:
    """Add to ``inventory`` what every project file other than ``inputs`` contributes; what
    the inputs themselves say wins over it."""
    from ekslint.input.read import CONFIG_FILES, MANIFEST_SUFFIXES
    from ekslint.kube.registrylist import parse_registry_list

    skip = {os.path.abspath(p) for p in inputs if p != "-"}
    index = _Index(listing.folder, platform.name)
    for path in listing.files(check=False):
        if len(index.stamps) >= MAX_FILES:
            break
        name = os.path.basename(path)
        if not name.endswith(MANIFEST_SUFFIXES) or name in CONFIG_FILES or path in skip:
            continue
        if excluded(path):
            continue
        found = index.get(path, platform)
        if found is None:
            continue
        entries, defaults = found
        for entry in entries:
            inventory.add(entry, replace=False)
        for role, value in defaults:
            inventory.global_sites.append(
                GlobalDefault(role, parse_registry_list(value, platform.list_syntax))
            )
    index.save()


def file_context(data: bytes, platform: Platform) -> tuple[list[Entry], list[tuple[str, str]]]:
    """What one file contributes; a document that does not parse contributes nothing (it is
    not an input: its errors are reported when it is linted)."""
    import io

    import yaml

    from ekslint.input.helm import is_raw_template
    from ekslint.input.read import iter_chunks
    from ekslint.input.yamlnodes import check_alias_expansion, compose_documents
    from ekslint.kube.globals import global_defaults_view, is_global_defaults
    from ekslint.kube.objects import iter_objects
    from ekslint.lint.findings import InputError, NodeProblem

    entries: list[Entry] = []
    defaults: list[tuple[str, str]] = []
    for chunk in iter_chunks(io.BytesIO(data), ""):
        if isinstance(chunk, InputError) or is_raw_template(chunk.text):
            continue
        try:
            for root in compose_documents(chunk.text):
                if root is None:
                    continue
                check_alias_expansion(root, chunk.text)
                for obj in iter_objects(root):
                    entry = inventory_entry(obj)
                    if entry is not None:
                        entries.append(entry)
                    elif is_global_defaults(obj, platform):
                        view = global_defaults_view(obj, platform, chunk.text)
                        for site in view.sites if view else ():
                            defaults.append((site.role, str(site.value_node.value or "")))
        except (yaml.YAMLError, NodeProblem, RecursionError, ValueError):
            continue
    return entries, defaults


class _Index:
    def __init__(self, root: str, platform: str) -> None:
        import zlib  # hashlib would cost more start-up time than all the rest of this

        from ekslint import __version__
        from ekslint.data import cache_folder

        self.root = root
        self.platform = platform
        self.folder = cache_folder()
        key = f"{root}\0{platform}".encode("utf-8", "surrogateescape")
        digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
        self.file = (
            None
            if self.folder is None
            else os.path.join(self.folder, f"context-{__version__}-{_INDEX_FORMAT}-{digest}")
        )
        self.old_stamps: dict[str, Stamp] = {}
        self.old_found: dict[str, Found] = {}
        self._load(key)
        self.stamps: dict[str, Stamp] = {}
        self.found: dict[str, Found] = {}
        self.changed = False

    def _load(self, key: bytes) -> None:
        if self.file is None:
            return
        import marshal

        try:
            with open(self.file, "rb") as handle:
                loaded = marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return
        # The project's own name inside: two projects whose digests collide never mix.
        if isinstance(loaded, tuple) and len(loaded) == 3 and loaded[0] == key:
            self.old_stamps, self.old_found = loaded[1], loaded[2]

    def get(self, path: str, platform: Platform) -> Found | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = path[len(self.root) :]  # the listing's paths all start with the root
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self.old_stamps.get(key) == stamp:
            self.stamps[key] = stamp
            found = self.old_found.get(key)
            if found is None:
                return _NOTHING
            self.found[key] = found
            return found
        self.changed = True
        entries: list[Entry] = []
        defaults: list[tuple[str, str]] = []
        if stat.st_size <= MAX_FILE_BYTES:
            import stat as stat_module

            if stat_module.S_ISREG(stat.st_mode):
                try:
                    with open(path, "rb") as handle:
                        data = handle.read(MAX_FILE_BYTES + 1)
                except OSError:
                    data = b""
                if _may_hold_context(data, platform):
                    entries, defaults = file_context(data, platform)
        self.stamps[key] = stamp
        if entries or defaults:
            self.found[key] = (entries, defaults)
        return entries, defaults

    def save(self) -> None:
        if self.file is None or self.folder is None:
            return
        if not self.changed and len(self.stamps) == len(self.old_stamps):
            # (try, not contextlib.suppress: importing contextlib costs a pre-commit run 1 %)
            try:  # noqa: SIM105
                os.utime(self.file)  # recently used: kept when older indexes are pruned
            except OSError:
                pass
            return
        import marshal
        import tempfile

        try:
            key = f"{self.root}\0{self.platform}".encode("utf-8", "surrogateescape")
            payload = marshal.dumps((key, self.stamps, self.found))
        except ValueError:
            return
        if len(payload) > MAX_INDEX_BYTES:
            return
        try:
            os.makedirs(self.folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(temporary, self.file)
            _prune(self.folder)
        except OSError:  # a cache that cannot be written only costs time
            pass


def _may_hold_context(data: bytes, platform: Platform) -> bool:
    if re.search(_KIND, data):
        return True
    spec = platform.global_defaults
    return spec is not None and spec["name"].encode() in data


def _prune(folder: str) -> None:
    indexes = []
    for name in os.listdir(folder):
        if name.startswith("context-"):
            path = os.path.join(folder, name)
            try:
                indexes.append((os.stat(path).st_mtime, path))
            except OSError:
                continue
    indexes.sort(reverse=True)
    for _, path in indexes[MAX_INDEXES:]:
        try:
            os.remove(path)
        except OSError:
            continue
