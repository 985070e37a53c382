"""Reading stored records into the API's structs without today's limits on what comes in.

A row written before a limit existed (an old phone label over 300 characters, a description
imported before the 10 000 characters, a value a migration produced) is still a record people
must be able to read and correct: the limits of `ServiceIn`, `PlaceIn` and `OrganisationIn`
(lengths, patterns, ranges) are checked when something is written, not when it is read.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

T = TypeVar("T", bound=msgspec.Struct)

_LOOSE: dict[type, type] = {}
"""Each struct of the contract and its copy without constraints."""
_REAL: dict[type, type] = {}
"""Back from a copy to the contract's struct."""


def _loose_type(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _loose_type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _loose_struct(annotation)
    if origin in (Union, types.UnionType):
        return Union[tuple(_loose_type(arg) for arg in get_args(annotation))]  # noqa: UP007
    if origin in (list, tuple, set, frozenset, dict):
        return origin[tuple(_loose_type(arg) for arg in get_args(annotation))]
    return annotation


def _loose_struct(cls: type[msgspec.Struct]) -> type:
    if cls not in _LOOSE:
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for field in msgspec.structs.fields(cls):
            if field.default is not msgspec.NODEFAULT:
                default: Any = field.default
            elif field.default_factory is not msgspec.NODEFAULT:
                default = msgspec.field(default_factory=field.default_factory)
            else:
                default = msgspec.NODEFAULT
            loose = _loose_type(field.type)
            if default is msgspec.NODEFAULT:
                fields.append((field.name, loose))
            else:
                fields.append((field.name, loose, default))
        _LOOSE[cls] = msgspec.defstruct(f"Stored{cls.__name__}", fields, kw_only=True)
        _REAL[_LOOSE[cls]] = cls
    return _LOOSE[cls]


def _real(value: Any) -> Any:
    real = _REAL.get(type(value))
    if real is not None:
        fields = value.__struct_fields__
        # A struct built directly is not validated: the copy's values are kept as they are.
        return real(**{name: _real(getattr(value, name)) for name in fields})
    if isinstance(value, list):
        return [_real(item) for item in value]
    if isinstance(value, dict):
        return {key: _real(item) for key, item in value.items()}
    return value


def as_stored(data: dict[str, Any], cls: type[T]) -> T:
    """`data` read from the database as a `cls`, its types checked but not today's limits."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError:
        # The usual record passes above; only one that breaks a limit pays for the copy.
        return _real(msgspec.convert(data, _loose_struct(cls), from_attributes=True))


_CHANGES: dict[tuple[type, tuple[str, ...]], type] = {}


def with_changes(stored: dict[str, Any], changes: dict[str, Any], cls: type[T]) -> T:
    """A stored record (as input) with `changes` made: the changes are held to today's
    limits (a `ValidationError` names the field), the rest is kept as it was saved.

    Marking a service full must not wait for a description written before the limit."""
    key = (cls, tuple(sorted(changes)))
    if key not in _CHANGES:
        types_of = {field.name: field.type for field in msgspec.structs.fields(cls)}
        _CHANGES[key] = msgspec.defstruct(
            f"{cls.__name__}Changes", [(name, types_of[name]) for name in key[1]], kw_only=True
        )
    msgspec.convert(changes, _CHANGES[key])
    return as_stored({**stored, **changes}, cls)
