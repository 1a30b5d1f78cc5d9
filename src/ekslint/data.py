"""Loading the data files shipped in ``rules/``: rule packs, workload kinds, registry lists.

In a wheel the folder is ``ekslint/rules``; in a source checkout it is the top-level ``rules/``.

Parsed and validated files are remembered in a small cache (``~/.cache/ekslint``) keyed by
each file's path, size and modification time: pre-commit runs ekslint on every commit, and
re-reading twenty YAML files and importing jsonschema each time would cost more than linting the
commit. A file that changes is parsed and validated again; ``EKSLINT_NO_CACHE=1`` turns the cache
off.

What a user writes (the config file) is validated against its JSON Schema with ``jsonschema``,
imported only when a file is not in the cache. The shipped rule packs are validated by the test
suite instead: at run time they are trusted, as the code that reads them is.
"""

from __future__ import annotations

import functools
import os

import yaml

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from typing import Any

    from jsonschema import ValidationError
    from jsonschema.protocols import Validator


@functools.cache
def rules_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "rules")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(here)), "rules")


_CACHE_FORMAT = 3  # 3: entries hold the file's digest
# Rule files (about 25 per platform), configs and the code of ~40 value types: plenty, and small.
_CACHE_ENTRIES = 256
# The cache is shared by every project on the machine and read whole at every start, so what it
# holds is bounded: an entry larger than this is not cached (a config listing 200,000
# registries is parsed each run, instead of slowing every other project's runs), and the file
# keeps the entries of this run first, then the most recent others, up to the total. The shipped
# rule data takes about 60 KB.
_CACHE_ENTRY_BYTES = 256 * 1024
_CACHE_TOTAL_BYTES = 2 * 1024 * 1024
_cache: dict[str, tuple[Any, ...]] | None = None
_cache_dirty = False
_cache_used: dict[str, None] = {}  # keys read or written by this run, in order


def cache_folder() -> str | None:
    """Where ekslint keeps its caches, or None when caching is off."""
    if os.environ.get("EKSLINT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ekslint")


def _cache_file() -> str | None:
    from ekslint import __version__

    folder = cache_folder()
    if folder is None:
        return None
    return os.path.join(folder, f"validated-{__version__}-{_CACHE_FORMAT}.marshal")


def _load_cache() -> dict[str, tuple[Any, ...]]:
    global _cache
    if _cache is None:
        _cache = {}
        path = _cache_file()
        if path is not None:
            import marshal

            try:
                with open(path, "rb") as handle:
                    if os.fstat(handle.fileno()).st_size > _CACHE_TOTAL_BYTES:
                        raise ValueError("larger than any cache this version writes")
                    # One read: marshal.load on a file reads it in small pieces.
                    loaded = marshal.loads(handle.read())
                if isinstance(loaded, dict):
                    _cache = loaded
            except (OSError, EOFError, ValueError, TypeError):
                pass
    return _cache


def _save_cache() -> None:
    path = _cache_file()
    if path is None or not _cache_dirty or _cache is None:
        return
    import marshal
    import tempfile

    # Keep what this run used, then the most recent others whose files still exist (or that
    # depend on no file).
    keys = [k for k in _cache_used if k in _cache]
    keys += [
        k
        for k in reversed(_cache)
        if k not in _cache_used and (k.startswith(_REMEMBERED) or os.path.exists(k))
    ]
    kept: list[str] = []
    total = 0
    for key in keys[:_CACHE_ENTRIES]:
        size = len(marshal.dumps(_cache[key]))
        if size <= _CACHE_ENTRY_BYTES and total + size <= _CACHE_TOTAL_BYTES:
            kept.append(key)
            total += size
    pruned = {k: _cache[k] for k in reversed(kept)}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            marshal.dump(pruned, out)
        os.replace(temporary, path)
    except Exception:  # at exit: a cache that cannot be written only costs time
        pass


def load_validated(
    path: str,
    kind: str,
    validate: Callable[[Any, str], None],
    load: Callable[[str], Any] | None = None,
) -> Any:
    """``load(path)`` (default: ``load_yaml``) checked by ``validate``, or the cached result
    for the same, unchanged file."""
    stat = os.stat(path)
    cache = _load_cache()
    key = os.path.abspath(path)
    entry = cache.get(key)
    _cache_used[key] = None
    if entry is not None and entry[:3] == (stat.st_mtime_ns, stat.st_size, kind):
        return entry[3]
    # A file written again with the same bytes (a fresh clone or checkout, a copy) is the same
    # file: its digest says so, and it is not validated again.
    digest = _digest(path)
    if (
        entry is not None
        and digest is not None
        and entry[1:3] == (stat.st_size, kind)
        and entry[4:] == (digest,)
    ):
        cache[key] = (stat.st_mtime_ns, *entry[1:])
        _changed()
        return entry[3]
    data = (load or load_yaml)(path)
    validate(data, path)  # raises on invalid data, which is never cached
    try:
        import marshal

        size = len(marshal.dumps(data))
    except ValueError:
        return data  # not plain data (e.g. dates): usable, but not cacheable
    if size > _CACHE_ENTRY_BYTES or digest is None or _digest(path) != digest:
        return data  # too large to share with every other run, or changed while read
    cache[key] = (stat.st_mtime_ns, stat.st_size, kind, data, digest)
    _changed()
    return data


def _digest(path: str) -> bytes | None:
    """The file's BLAKE2 digest; None when it cannot be read or is larger than a cache entry."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            content = handle.read(_CACHE_ENTRY_BYTES + 1)
    except OSError:
        return None
    if len(content) > _CACHE_ENTRY_BYTES:
        return None
    return hashlib.blake2b(content, digest_size=16).digest()


_REMEMBERED = "remembered:"


def remembered(key: str, make: Callable[[], Any]) -> Any:
    """``make()``, kept in the cache under ``key``, which must name everything the value depends
    on (record.py keeps the code of generated ``__init__`` methods here: compiling them is most
    of what value types cost a short run). The value must be marshal-able."""
    cache = _load_cache()
    full_key = _REMEMBERED + key
    _cache_used[full_key] = None
    entry = cache.get(full_key)
    if entry is not None:
        return entry[3]
    value = make()
    cache[full_key] = (0, 0, "remembered", value)
    _changed()
    return value


def _changed() -> None:
    global _cache_dirty
    if not _cache_dirty:
        import atexit

        atexit.register(_save_cache)
        _cache_dirty = True


def trusted(data: Any, path: str) -> None:
    """No run-time validation: shipped files, which the test suite checks against their schemas."""


@functools.cache
def _schema_validator(name: str) -> Validator:
    import json

    import jsonschema

    with open(os.path.join(rules_dir(), "schema", f"{name}.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator: Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def schema_error(name: str, data: Any) -> ValidationError | None:
    """The first way ``data`` breaks ``rules/schema/<name>.schema.json`` (a
    ``jsonschema.ValidationError``: ``absolute_path``, ``validator``, ``validator_value``,
    ``instance``, ``schema``), or None when it is valid."""
    return next(iter(_schema_validator(name).iter_errors(data)), None)


def load_yaml(path: str) -> Any:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, "rb") as handle:
        return yaml.load(handle, Loader=loader)


@functools.cache
def workloads() -> dict[str, Any]:
    data: dict[str, Any] = load_validated(
        os.path.join(rules_dir(), "workloads.yaml"), "workloads", trusted
    )
    return data


@functools.cache
def registry_lists() -> dict[str, Any]:
    data: dict[str, Any] = load_validated(
        os.path.join(rules_dir(), "registries.yaml"), "registries", trusted
    )
    return data
