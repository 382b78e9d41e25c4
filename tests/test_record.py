"""core.record: a record behaves as the frozen dataclass it stands for, to every reader of one."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.record import mutable_record, record


def _pair(namespace: dict[str, Any], *, name: str = "Sample") -> tuple[type, type]:
    """The same class body as a frozen dataclass and as a record."""
    made = []
    for decorate in (dataclass(frozen=True), record):
        made.append(decorate(type(name, (), {"__module__": __name__, "__qualname__": name, **namespace})))
    return made[0], made[1]


BODY: dict[str, Any] = {
    "__annotations__": {"a": "int", "b": "str", "secret": "str", "tags": "tuple[str, ...]", "c": "float", "k": "int"},
    "b": "x",
    "secret": field(default="s3cret", repr=False),
    "tags": field(default_factory=tuple),
    "c": field(default=0.5, compare=False),
    "k": field(default=7, kw_only=True),
}


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1,), {}), ((1, "y"), {}), ((2,), {"tags": ("t",), "k": 3}), ((), {"a": 4, "secret": "other", "c": 1.5})],
)
def test_a_record_is_made_read_compared_and_shown_as_its_dataclass(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    plain, rec = _pair(BODY)
    p, r = plain(*args, **kwargs), rec(*args, **kwargs)
    assert repr(r) == repr(p)
    assert "s3cret" not in repr(rec(1)) and "other" not in repr(r)  # repr=False: never shown
    assert dataclasses.asdict(r) == dataclasses.asdict(p)
    assert [f.name for f in dataclasses.fields(r)] == [f.name for f in dataclasses.fields(p)]
    assert r == rec(*args, **kwargs) and hash(r) == hash(rec(*args, **kwargs))
    assert r == dataclasses.replace(r, c=9.0)  # compare=False: not part of equality
    assert r != dataclasses.replace(r, b="other") and r != p  # another class is never equal
    assert dataclasses.replace(r, b="z").b == "z"
    assert rec.__match_args__ == plain.__match_args__
    assert copy.copy(r) == r and copy.deepcopy(r) == r


def test_a_factory_default_is_made_afresh_for_each_record() -> None:
    _, rec = _pair({"__annotations__": {"tags": "list[str]"}, "tags": field(default_factory=list)})
    first, second = rec(), rec()
    assert first.tags == [] and first.tags is not second.tags


def test_a_record_refuses_what_its_dataclass_refuses() -> None:
    plain, rec = _pair(BODY)
    r = rec(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.a = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.b
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.new = 1
    for args, kwargs in (((), {}), ((1, "x", "s", (), 0.5, 7), {}), ((1,), {"nope": 1}), ((1,), {"a": 2})):
        with pytest.raises(TypeError):
            plain(*args, **kwargs)
        with pytest.raises(TypeError):
            rec(*args, **kwargs)


def test_post_init_and_init_false_fields_run_as_in_dataclasses() -> None:
    def post_init(self: Any) -> None:
        object.__setattr__(self, "double", self.a * 2)

    body = {
        "__annotations__": {"a": "int", "double": "int", "seen": "list[int]"},
        "double": field(default=0, init=False),
        "seen": field(default_factory=list, init=False),
        "__post_init__": post_init,
    }
    plain, rec = _pair(body)
    assert repr(rec(3)) == repr(plain(3)).replace(plain.__qualname__, rec.__qualname__)
    assert rec(3).double == 6 and rec(3).seen == []
    with pytest.raises(TypeError):
        rec(3, 4)


def test_a_subclass_record_adds_its_fields_after_its_parents() -> None:
    @record
    class Base:
        a: int
        b: str = "b"

    @record
    class Child(Base):
        c: int = 3

    assert (
        Base(1) == Base(1, "b")
        and repr(Child(1)) == "test_a_subclass_record_adds_its_fields_after_its_parents.<locals>.Child(a=1, b='b', c=3)"
    )
    assert Child(1, "x", 4).c == 4 and Child(1) != Base(1)
    match Child(5):
        case Child(a, b, c):
            assert (a, b, c) == (5, "b", 3)
        case _:
            pytest.fail("positional patterns read __match_args__")


def test_a_class_body_keeps_its_own_methods() -> None:
    @record
    class Own:
        a: int

        def __repr__(self) -> str:
            return "mine"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Own)

    assert repr(Own(1)) == "mine" and Own(1) == Own(2) and hash(Own(1)) == hash(Own(1))


def test_records_that_hold_themselves_still_show() -> None:
    @record
    class Box:
        items: list[Any]

    box = Box([])
    box.items.append(box)
    assert repr(box) == "test_records_that_hold_themselves_still_show.<locals>.Box(items=[...])"


def test_a_record_without_a_docstring_is_named_by_its_fields() -> None:
    @record
    class Bare:
        a: int
        b: str = "b"

    assert Bare.__doc__ == "Bare(a, b)"


def test_a_subclass_with_its_own_init_keeps_it_when_it_calls_the_records() -> None:
    @record
    class Base:
        a: int

    class Doubled(Base):
        def __init__(self, a: int) -> None:
            super().__init__(a * 2)

    assert Doubled(2).a == 4 and Doubled(3).a == 6  # the second call still runs Doubled's own __init__
    assert Base(1).a == 1 and "__init__" in Doubled.__dict__


def test_a_mutable_record_behaves_as_the_plain_dataclass_of_its_body() -> None:
    made = []
    for decorate in (dataclass, mutable_record):
        made.append(decorate(type("Box", (), {"__module__": __name__, "__qualname__": "Box", **BODY})))
    plain, mutable = made
    for cls in (plain, mutable):
        one, two = cls(1, tags=("t",), k=2), cls(1, tags=("t",), k=2)
        assert one == two and one is not two and one.tags is not cls(1).tags
        one.a = 5  # fields are assignable ...
        assert one.a == 5 and one != two
        with pytest.raises(TypeError):
            hash(one)  # ... so, as in dataclasses, it is compared by value and has no hash
        with pytest.raises(TypeError):
            cls()  # a is required
    assert repr(plain(1, "y", c=2.0)) == repr(mutable(1, "y", c=2.0)) == "Box(a=1, b='y', tags=(), c=2.0, k=7)"
    assert [f.name for f in dataclasses.fields(mutable)] == [f.name for f in dataclasses.fields(plain)]
    assert dataclasses.replace(mutable(1), b="z") == mutable(1, "z")
    assert dataclasses.asdict(mutable(1)) == dataclasses.asdict(plain(1))


def test_a_mutable_record_sets_its_fields_through_the_class_as_dataclasses_does() -> None:
    seen: list[tuple[str, object]] = []

    @mutable_record
    class Watched:
        a: int
        b: list[int] = field(default_factory=list)

        def __setattr__(self, name: str, value: object) -> None:
            seen.append((name, value))
            object.__setattr__(self, name, value)

    w = Watched(3)
    assert seen == [("a", 3), ("b", [])] and w.b == [] and w.b is not Watched(4).b


def test_records_of_one_shape_share_compiled_code_yet_each_binds_its_own_names() -> None:
    @record
    class One:
        a: int
        b: str = "x"
        c: tuple[str, ...] = field(default_factory=tuple)
        d: int = field(default=3, kw_only=True)

    @record
    class Two:
        left: int
        right: str = "y"
        items: tuple[str, ...] = field(default_factory=lambda: ("z",))
        depth: int = field(default=9, kw_only=True)

    assert One(1) == One(1, "x", (), d=3) and Two(2) == Two(2, "y", ("z",), depth=9)
    assert (Two(5, right="r").left, Two(5, right="r").right) == (5, "r")
    assert type(One.__init__).__name__ == "function" and One.__init__.__code__.co_code == Two.__init__.__code__.co_code
    with pytest.raises(TypeError, match="left"):
        Two()  # the message names Two's own argument
    with pytest.raises(TypeError, match=r"Two\.__init__"):
        Two(1, nope=2)
    with pytest.raises(TypeError):
        One(1, d=2, e=3)
