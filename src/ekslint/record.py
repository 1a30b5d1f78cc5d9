"""Value types declared by their fields, like ``@dataclass(slots=True)`` but cheaper to import.

    @record
    class Note:
        path: str
        message: str
        line: int = 0  # 1-based; 0 for the whole file

gives a slotted class with ``__init__(path, message, line=0)``, ``__eq__``, ``__hash__`` (by
value, lists and dicts included) and ``__repr__``. ``field(default_factory=list)`` gives each
instance its own list; ``@record(frozen=True)`` forbids assignment after ``__init__``; a
``__post_init__`` method runs last. mypy reads the class as a dataclass (``dataclass_transform``).

Why not ``dataclasses``: importing it costs 11-16 ms here (it imports ``inspect``), where a
whole one-file run, what pre-commit does on every commit, takes about 40 ms. A ``@record`` class
costs about 20 µs to build; its ``__init__`` is written out the first time it is called, and its
compiled code (about 100 µs to compile) is kept in ekslint's cache (``ekslint.data``) for the
next run.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from types import CodeType
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> Callable[[T], T]:
        return lambda decorated: decorated


class _Factory:
    __slots__ = ("init", "make")

    def __init__(self, make: Callable[[], object] | None, init: bool) -> None:
        self.make = make
        self.init = init


def field(*, default_factory: Callable[[], object] | None = None, init: bool = True) -> Any:
    """A default made fresh for each instance (``field(default_factory=list)``); with
    ``init=False`` the field is not a parameter of ``__init__`` (state the object keeps), and
    without a ``default_factory`` too, ``__post_init__`` sets it (state derived from the
    parameters)."""
    if default_factory is None and init:
        raise TypeError("field() needs a default_factory unless init=False")
    return _Factory(default_factory, init)


_NOTHING = object()


def _value_eq(self: Any, other: object) -> bool:
    names: tuple[str, ...] = self.__slots__
    return type(other) is type(self) and all(
        getattr(self, name) == getattr(other, name) for name in names
    )


def _value_hash(self: Any) -> int:
    return hash((type(self).__name__, *(_hashable(getattr(self, n)) for n in self.__slots__)))


def _value_repr(self: Any) -> str:
    fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
    return f"{type(self).__name__}({fields})"


def _getstate(self: Any) -> tuple[object, ...]:
    return tuple(getattr(self, name) for name in self.__slots__)


def _setstate(self: Any, state: tuple[object, ...]) -> None:
    # Through object.__setattr__, so that frozen records unpickle too (worker processes).
    for name, value in zip(self.__slots__, state, strict=True):
        object.__setattr__(self, name, value)


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T] | None = None, *, frozen: bool = False) -> Any:
    """Make ``cls`` a value type (see the module docstring)."""

    def build(cls: type[T]) -> type[T]:
        return _build(cls, frozen)

    return build if cls is None else build(cls)


def _build(cls: type[T], frozen: bool) -> type[T]:
    annotations = cls.__annotations__  # the class's own (Python 3.10+): its fields, in order
    names = [n for n, kind in annotations.items() if not str(kind).startswith("ClassVar")]
    namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    defaults = {name: namespace.pop(name) for name in names if name in namespace}
    post_init = "__post_init__" in namespace
    built: Any = None

    def __init__(self: Any, *args: object, **kwargs: object) -> None:
        # Written out on first use (classes a run never instantiates cost nothing more); after
        # that, as fast as a hand-written __init__.
        init = _compile_init(built, names, defaults, frozen, post_init)
        built.__init__ = init
        init(self, *args, **kwargs)

    namespace["__init__"] = __init__
    namespace["__slots__"] = tuple(names)
    namespace["__qualname__"] = cls.__qualname__
    namespace.setdefault("__eq__", _value_eq)
    namespace.setdefault("__hash__", _value_hash)
    namespace.setdefault("__repr__", _value_repr)
    namespace["__getstate__"] = _getstate
    namespace["__setstate__"] = _setstate
    if frozen:
        namespace["__setattr__"] = _frozen_setattr
        namespace["__delattr__"] = _frozen_delattr
    built = type(cls.__name__, cls.__bases__, namespace)
    return built  # type: ignore[no-any-return]


def _compile_init(
    cls: type, names: list[str], defaults: dict[str, object], frozen: bool, post_init: bool
) -> Any:
    globals_: dict[str, object] = {"__fresh": _NOTHING, "__setattr": object.__setattr__}
    params, body = ["self"], []
    assign = "__setattr(self, {0!r}, {1})" if frozen else "self.{0} = {1}"
    for name in names:
        default = defaults.get(name, _NOTHING)
        value = name
        if isinstance(default, _Factory) and default.make is None:
            continue  # set by __post_init__
        if isinstance(default, _Factory):
            globals_[f"__make_{name}"] = default.make
            if default.init:
                params.append(f"{name}=__fresh")
                value = f"__make_{name}() if {name} is __fresh else {name}"
            else:
                value = f"__make_{name}()"
        elif default is not _NOTHING:
            globals_[f"__default_{name}"] = default
            params.append(f"{name}=__default_{name}")
        else:
            params.append(name)
        body.append(assign.format(name, value))
    if post_init:
        body.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(_compiled(source), globals_)
    init: Any = globals_["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _compiled(source: str) -> CodeType:
    """``source`` compiled, from the on-disk cache after the first run: compiling is most of
    what a record costs a short run (about 100 µs a class, against 20 µs to build it)."""
    import sys

    from ekslint.data import remembered

    code: CodeType = remembered(
        f"record:{sys.implementation.cache_tag}:{source}",  # code objects are per Python version
        lambda: compile(source, "<record>", "exec"),
    )
    return code


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(map(_hashable, value))
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, set):
        return frozenset(value)
    return value
