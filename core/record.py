"""`@record`: a frozen dataclass that costs next to nothing to define; its ``__init__`` is compiled when first called.

``@dataclass(frozen=True)`` compiles six methods from source text for every class as its module is imported
(0.3–0.6 ms a class on our machines), and the kiosk defines some ninety before its first screen, most of
which (events, effects, states it never reaches) are never made before it. A record is the same dataclass
to everything that reads one (``dataclasses.fields``, ``replace``, ``asdict``, ``match`` patterns, mypy),
with the same ``__init__`` (compiled on the first call instead, the way ``dataclasses`` writes it), and
``__repr__``, ``__eq__``, ``__hash__`` and the frozen ``__setattr__``/``__delattr__`` shared by all records,
reading the fields through one ``operator.attrgetter`` a class. Fields with ``repr=False`` stay out of the
repr (secrets), ``compare=False`` out of equality and the hash, exactly as in ``dataclasses``.
``@mutable_record`` is the same for a plain (not frozen) ``@dataclass``: assignable fields, no hash.
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
import reprlib
import types
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T", bound=type)

_FACTORY = object()  # the default of an argument whose field has a default_factory: "not given"


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, Field))
def record(cls: T) -> T:
    """Make ``cls`` a frozen dataclass whose methods are shared or compiled on first use (see the module)."""
    return _make(cls, _SHARED)


@dataclass_transform(field_specifiers=(dataclasses.field, Field))
def mutable_record(cls: T) -> T:
    """Make ``cls`` the plain ``@dataclass`` of its body (fields assignable, compared by value, unhashable),
    its ``__repr__``/``__eq__`` shared and its ``__init__`` compiled on first use, as ``record`` does."""
    _MUTABLE.add(cls)
    made = _make(cls, _SHARED_MUTABLE)
    if "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # type: ignore[assignment]  # as dataclass(eq=True) does: equal by value, so no hash
    return made


def _make(cls: T, shared: dict[str, Callable[..., Any]]) -> T:
    if not cls.__dict__.get("__doc__"):
        # dataclasses would write one from inspect.signature(cls), which, before the class has an __init__,
        # parses object's text signature with tokenize (its regexes: ~5 ms, once).
        cls.__doc__ = f"{cls.__name__}({', '.join(inspect.get_annotations(cls))})"
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    own = cls.__dict__
    for name, method in shared.items():
        if own.get(name) is None:  # a class body's own __eq__ leaves __hash__ None: hashed by its fields
            setattr(cls, name, method)
    if "__init__" not in own:
        cls.__init__ = _first_init  # type: ignore[misc]
    return cls


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """The class's first instance: compile its ``__init__``, put it on the class, and run it. The class is the
    record this placeholder belongs to, not always ``type(self)``: a subclass's own ``__init__`` may call it."""
    cls = next(c for c in type(self).__mro__ if c.__dict__.get("__init__") is _first_init)
    init = _compile_init(cls)
    cls.__init__ = init  # type: ignore[misc]
    init(self, *args, **kwargs)


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` dataclasses would write for ``cls``: its init fields as arguments (keyword-only ones
    after a ``*``), each default or default_factory applied, every field set (a frozen record's through
    ``object.__setattr__``), then ``__post_init__`` if it has one.

    Compiling source costs ~0.1 ms; most records share a shape (which fields have a default, a factory, are
    keyword-only or not in ``__init__``). So the code is compiled once a shape, with placeholder names, and
    each class gets a copy with its own field names, defaults and globals (a new function: ~10 µs)."""
    names: dict[str, Any] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    shape: list[tuple[str, bool, bool]] = []
    fields = dataclasses.fields(cls)
    defaults: list[Any] = []
    kw_defaults: dict[str, Any] = {}
    for i, f in enumerate(fields):
        if f.default_factory is not MISSING:
            names[f"_factory{i}"] = f.default_factory
            kind, default = "factory", _FACTORY
        elif f.default is not MISSING:
            names[f"_default{i}"] = f.default
            kind, default = "default", f.default
        else:
            kind, default = "plain", MISSING
        shape.append((kind, f.init, f.kw_only is True))
        if f.init and default is not MISSING:
            if f.kw_only:
                kw_defaults[f.name] = default
            else:
                defaults.append(default)
    key = (cls in _MUTABLE, hasattr(cls, "__post_init__"), tuple(shape))
    template = _TEMPLATES.get(key) or _template(key)
    real = {f"_a{i}": f.name for i, f in enumerate(fields)} | {f"_f{i}": f.name for i, f in enumerate(fields)}
    qualname = f"{cls.__qualname__}.__init__"
    code = template.replace(
        co_varnames=tuple(real.get(n, n) for n in template.co_varnames),
        co_consts=tuple(real.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_names=tuple(real.get(n, n) for n in template.co_names),
        co_qualname=qualname,
    )
    init = types.FunctionType(code, names, "__init__", tuple(defaults) or None)
    init.__kwdefaults__ = kw_defaults or None
    init.__qualname__ = qualname
    return init


_TEMPLATES: dict[tuple[Any, ...], types.CodeType] = {}


def _template(key: tuple[Any, ...]) -> types.CodeType:
    """The code of ``__init__`` for one shape of record: field ``i`` is the argument ``_a{i}`` and the attribute
    ``_f{i}`` (renamed per class); a default is ``_default{i}`` or ``_factory{i}`` in the function's globals."""
    mutable, post_init, shape = key
    # A frozen record's fields are set past its refusing __setattr__; a mutable one's by plain assignment, as
    # dataclasses does (a property or a __setattr__ of the class then sees them).
    assign = "    self._f{0} = {1}" if mutable else "    _set(self, '_f{0}', {1})"
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for i, (kind, init, kw_only) in enumerate(shape):
        arg = f"_a{i}"
        if kind == "factory":
            value = f"_factory{i}() if {arg} is _FACTORY else {arg}" if init else f"_factory{i}()"
        elif kind == "default":
            value = arg if init else f"_default{i}"
        else:
            value = arg
        if init:
            (keyword if kw_only else positional).append(f"{arg}=None" if kind != "plain" else arg)
        if init or kind != "plain":
            body.append(assign.format(i, value))
    if post_init:
        body.append("    self.__post_init__()")
    arguments = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({arguments}):\n" + ("\n".join(body) or "    pass") + "\n"
    module = compile(source, "<record __init__>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    _TEMPLATES[key] = code
    return code


# Per class, the function giving ``(value, ...)`` of the fields it compares (eq, hash), and the names and
# values of those it shows (repr): made when first needed.
_COMPARED: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_SHOWN: dict[type, tuple[list[str], Callable[[Any], tuple[Any, ...]]]] = {}


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the tuple of these attributes of an object."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _compared(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    values = _values([f.name for f in dataclasses.fields(cls) if f.compare])
    _COMPARED[cls] = values
    return values


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    cls = type(self)
    shown = _SHOWN.get(cls)
    if shown is None:
        names = [f.name for f in dataclasses.fields(cls) if f.repr]
        shown = _SHOWN[cls] = (names, _values(names))
    names, values = shown
    return f"{cls.__qualname__}({', '.join(f'{n}={v!r}' for n, v in zip(names, values(self), strict=True))})"


def _eq(self: Any, other: object) -> bool:
    cls = self.__class__
    if other.__class__ is not cls:
        return NotImplemented  # type: ignore[no-any-return]  # NotImplemented is typed Any
    values = _COMPARED.get(cls) or _compared(cls)
    return bool(values(self) == values(other))


def _hash(self: Any) -> int:
    cls = self.__class__
    return hash((_COMPARED.get(cls) or _compared(cls))(self))


def _setattr(self: Any, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


_SHARED: dict[str, Callable[..., Any]] = {
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
}
_SHARED_MUTABLE: dict[str, Callable[..., Any]] = {"__repr__": _repr, "__eq__": _eq}
_MUTABLE: set[type] = set()  # the classes made by mutable_record
