"""@record: the value types' __init__, equality, hashing, freezing and pickling."""

from __future__ import annotations

import pickle

import pytest

from ekslint.record import field, record


@record
class Entry:
    name: str
    count: int = 0
    tags: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list, init=False)
    label: str = field(init=False)  # derived by __post_init__

    def __post_init__(self) -> None:
        self.label = f"{self.name}:{self.count}"


@record(frozen=True)
class Point:
    x: int
    y: int = 0


def test_init_defaults_and_fresh_factories() -> None:
    first, second = Entry("a"), Entry("b", 2, ["t"])
    assert (first.name, first.count, first.tags, first.seen) == ("a", 0, [], [])
    assert (second.count, second.tags) == (2, ["t"])
    first.tags.append("x")
    assert Entry("c").tags == []  # each instance its own list


def test_fields_outside_init_are_set_by_post_init() -> None:
    assert Entry("a", 3).label == "a:3"
    with pytest.raises(TypeError):
        Entry("a", 3, [], [], "label")  # type: ignore[call-arg]


def test_field_without_factory_must_be_outside_init() -> None:
    with pytest.raises(TypeError, match="default_factory"):
        field()


def test_value_equality_hash_and_repr() -> None:
    assert Entry("a", 1, ["t"]) == Entry("a", 1, ["t"])
    assert Entry("a", 1) != Entry("a", 2)
    assert hash(Entry("a", 1, ["t"])) == hash(Entry("a", 1, ["t"]))
    assert Point(1, 2) != Point(1, 3)
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"


def test_frozen_refuses_assignment() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="frozen"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del point.y


def test_pickles_for_worker_processes() -> None:
    entry = Entry("a", 1, ["t"])
    entry.seen.append("s")
    copy = pickle.loads(pickle.dumps(entry))
    assert copy == entry and copy.seen == ["s"] and copy.label == "a:1"
    assert pickle.loads(pickle.dumps(Point(3, 4))) == Point(3, 4)
