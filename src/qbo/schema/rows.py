"""Models from QBO's JSON without pydantic's per-field validation: the bulk-read path.

A query page of 1,000 invoices is 100,000 field values; validating each through pydantic
costs more than the request. Data read from QBO has a known shape, so ``build`` checks each
value's JSON type against its field, converts the few that need it (an integer amount to
``Decimal``, a date or datetime string to its object) and stores the rest as they are, in
a *lean* row (``qbo.schema.base``: only the fields sent are kept). The rows of a page
share a few shapes (keys and JSON types, in order), so the checks are worked out once per
shape (a recipe) and a row only pays for its conversions.

Anything unexpected (a string where a number belongs, a datetime without an offset, a
field type this module does not know) makes ``build`` hand the whole object to
``model_validate``, so the result, and the error for bad data, are exactly validation's.

Equal immutable values are shared between rows: strings of references and enumerations
(``sys.intern``), and amounts, dates and datetimes through small bounded caches, since a
page repeats the same currency, terms, item, zero balance and day many times.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic_core import TzInfo

from qbo.schema.base import QBODate, QBODateTime, QBOModel
from qbo.schema.collector import paused
from qbo.schema.memo import remember

M = TypeVar("M", bound=QBOModel)

# What a field holds, as the builder treats it.
_STR, _KEY, _BOOL, _INT, _DECIMAL, _DATE, _DATETIME, _MODEL, _MODELS, _OTHER = range(10)
#: Fields whose strings repeat across rows (codes, statuses, detail types) are interned,
#: as are enumerations and every string of a reference.
_KEY_FIELDS = frozenset({"domain", "status", "DetailType"})
_PLAIN_TYPES = {_STR: str, _KEY: str, _BOOL: bool, _INT: int}

# What a value of a kind and JSON type needs; a pair not listed goes to validation.
_KEEP, _INTERN, _NESTED, _NESTED_LIST, _DECIMAL_OF_INT, _FINITE, _TO_DATE, _TO_DATETIME = range(8)
_STEPS = {
    (_STR, str): _KEEP,
    (_KEY, str): _INTERN,
    (_BOOL, bool): _KEEP,
    (_INT, int): _KEEP,
    (_DECIMAL, int): _DECIMAL_OF_INT,
    (_DECIMAL, Decimal): _FINITE,
    (_DATE, str): _TO_DATE,
    (_DATETIME, str): _TO_DATETIME,
    (_MODEL, dict): _NESTED,
    (_MODELS, list): _NESTED_LIST,
}
_RECIPE_LIMIT = 512  # shapes remembered per model; rows of other shapes are still built
_CACHE_LIMIT = 4096  # amounts, dates and datetimes remembered for sharing
_DATETIME_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
_setattr = object.__setattr__
_new = object.__new__
_intern = sys.intern


class _Unexpected(Exception):
    """A value the fast path does not take as it is: validation decides instead."""


@dataclass(frozen=True, slots=True)
class _Recipe:
    """What rows of one shape (keys and JSON types, in order) need, worked out once.

    Values of a type stored as sent were checked when the recipe was made: a row of the
    same shape has the same types. ``steps`` convert the rest, ``extra`` are unknown keys.
    """

    steps: tuple[tuple[str, int, _Plan | None], ...]
    extra: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to build one model.

    ``leaf`` is set for models of strings, booleans and integers only (references,
    e-mail addresses, phone numbers): each value's type is checked in one loop, which is
    cheaper than working out the row's shape. Other models keep a recipe per shape.
    """

    model: type[QBOModel]
    kinds: dict[str, tuple[int, type[QBOModel] | None]]  # field -> (kind, nested model)
    order: tuple[str, ...]  # declaration order
    leaf: dict[str, tuple[type, bool]] | None  # field -> (JSON type, interned)
    recipes: dict[tuple[Any, ...], _Recipe | None] = field(default_factory=dict)


_UNKNOWN = _Recipe((), ())  # "no recipe yet" in a plan's recipes
_PLANS: dict[type[QBOModel], _Plan | None] = {}
_decimals: dict[int, Decimal] = {}
_dates: dict[str, dt.date] = {}
_datetimes: dict[str, dt.datetime] = {}
_zones: dict[int, TzInfo] = {}


def build_rows(model: type[M], items: Iterable[Any], *, reuse: bool = False) -> list[M]:
    """``build`` for each object of a page, the garbage collector paused (``collector``)."""
    with paused():
        return [build(model, item, reuse=reuse) for item in items]


def build(model: type[M], data: Any, *, reuse: bool = False) -> M:
    """``model`` from a JSON object: what ``model.model_validate(data)`` gives, faster.

    With ``reuse`` the row is built in ``data`` itself (its dicts become the models'
    ``__dict__``), for a caller that drops the decoded JSON afterwards: it saves copying
    every object of a page. Should validation be needed after all, it is given ``data`` as
    far as it was converted, which validates to the same model (or fails the same way):
    what was converted is what validation makes of those values.
    """
    plan = _PLANS.get(model) or _plan(model)
    if plan is not None:
        try:
            return _build(plan, data, reuse)  # type: ignore[return-value]
        except _Unexpected:
            pass
    return model.model_validate(data)


def _build(plan: _Plan, data: Any, reuse: bool) -> QBOModel:
    if type(data) is not dict:
        raise _Unexpected
    leaf = plan.leaf
    extra: dict[str, Any] | None = None
    if leaf is not None:
        values = data if reuse else data.copy()
        unknown: list[str] | None = None
        for key, value in data.items():
            spec = leaf.get(key)
            if spec is None:
                if unknown is None:
                    unknown = []
                unknown.append(key)
            elif type(value) is spec[0]:
                if spec[1]:
                    values[key] = _intern(value)  # type: ignore[call-overload]
            elif value is not None:
                raise _Unexpected
        if unknown is not None:
            extra = {key: values.pop(key) for key in unknown}
    else:
        shape = (*data, *map(type, data.values()))
        recipe = plan.recipes.get(shape, _UNKNOWN)
        if recipe is _UNKNOWN:
            recipe = _recipe(plan, data, shape)
        if recipe is None:
            raise _Unexpected
        values = data if reuse else data.copy()
        for key, step, nested in recipe.steps:
            if step == _NESTED:
                values[key] = _build(nested, values[key], reuse)  # type: ignore[arg-type]
            elif step == _INTERN:
                values[key] = _intern(values[key])
            elif step == _DECIMAL_OF_INT:
                values[key] = _decimal_of_int(values[key])
            elif step == _NESTED_LIST:
                values[key] = [_build(nested, item, reuse) for item in values[key]]  # type: ignore[arg-type]
            elif step == _FINITE:
                if not values[key].is_finite():
                    raise _Unexpected
            elif step == _TO_DATE:
                values[key] = _date(values[key])
            else:
                values[key] = _datetime(values[key])
        if recipe.extra:
            extra = {key: values.pop(key) for key in recipe.extra}
    if len(values) == len(plan.order):  # every field sent: in declaration order, as validated
        values = {name: values[name] for name in plan.order}
    row = _new(plan.model)
    _setattr(row, "__dict__", values)
    if extra is not None:
        _setattr(row, "__pydantic_extra__", extra)
    return row


def _plan(model: type[QBOModel]) -> _Plan | None:
    """The plan of a model, or None when it cannot take the fast path at all."""
    if model in _PLANS:
        return _PLANS[model]
    fields = model.__pydantic_fields__
    plan: _Plan | None = None
    if _plain_model(model):
        kinds = {name: _kind(model, name, info.annotation) for name, info in fields.items()}
        leaf = None
        if all(kind in _PLAIN_TYPES for kind, _ in kinds.values()):
            leaf = {name: (_PLAIN_TYPES[kind], kind == _KEY) for name, (kind, _) in kinds.items()}
        plan = _Plan(model, kinds, tuple(fields), leaf)
    _PLANS[model] = plan
    return plan


def _plain_model(model: type[QBOModel]) -> bool:
    """Whether a model is one the fast path builds exactly as validation would.

    The generated models are; a subclass with its own validators, private attributes or
    configuration (which could change values), or with a field whose default is not None
    (a lean row reads a missing field as None), or named by an alias, is validated.
    """
    decorators = model.__pydantic_decorators__
    checks = (decorators.validators, decorators.field_validators, decorators.root_validators)
    return (
        model.model_config == QBOModel.model_config
        and not model.__private_attributes__
        and not any(checks)
        and not decorators.model_validators
        and all(
            info.default is None and info.alias in (None, name)
            for name, info in model.__pydantic_fields__.items()
        )
    )


def _kind(model: type[QBOModel], name: str, annotation: Any) -> tuple[int, type[QBOModel] | None]:
    """The treatment of a field, from its annotation (``X | None`` for every field)."""
    members = [a for a in typing.get_args(annotation) if a is not type(None)]
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    if not union or len(members) != 1:
        return _OTHER, None
    (inner,) = members
    if inner is str:
        keyed = name in _KEY_FIELDS or model.__name__ == "ReferenceType"
        return (_KEY if keyed or _is_enum(model, name) else _STR), None
    if inner is bool:
        return _BOOL, None
    if inner is int:
        return _INT, None
    if inner is Decimal:
        return _DECIMAL, None
    if inner == QBODate:
        return _DATE, None
    if inner == QBODateTime:
        return _DATETIME, None
    if isinstance(inner, type) and issubclass(inner, QBOModel):
        return _MODEL, inner
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        if isinstance(item, type) and issubclass(item, QBOModel):
            return _MODELS, item
    return _OTHER, None


def _is_enum(model: type[QBOModel], name: str) -> bool:
    from qbo.schema.catalogue import catalogue  # only when a plan is made
    from qbo.schema.types import Kind

    try:
        type_def = catalogue().type(model.__name__)
    except KeyError:
        return False
    found = type_def.field(name)
    return found is not None and found.kind is Kind.ENUM


def _recipe(plan: _Plan, data: dict[str, Any], shape: tuple[Any, ...]) -> _Recipe | None:
    """The recipe of a row's shape, or None when some value needs validation."""
    steps: list[tuple[str, int, _Plan | None]] = []
    extra: list[str] = []
    recipe: _Recipe | None = None
    for key, value in data.items():
        spec = plan.kinds.get(key)
        if spec is None:
            extra.append(key)
            continue
        kind, nested = spec
        if value is None:
            continue
        step = _STEPS.get((kind, type(value)))
        nested_plan = _plan(nested) if nested is not None else None
        if step is None or (nested is not None and nested_plan is None):
            break
        if step != _KEEP:
            steps.append((key, step, nested_plan))
    else:
        recipe = _Recipe(tuple(steps), tuple(extra))
    if len(plan.recipes) < _RECIPE_LIMIT:
        plan.recipes[shape] = recipe
    return recipe


def _decimal_of_int(value: int) -> Decimal:
    found = _decimals.get(value)
    return found if found is not None else remember(_decimals, value, Decimal(value), _CACHE_LIMIT)


def _date(value: str) -> dt.date:
    found = _dates.get(value)
    return found if found is not None else remember(_dates, value, _parse_date(value), _CACHE_LIMIT)


def _datetime(value: str) -> dt.datetime:
    found = _datetimes.get(value)
    return (
        found
        if found is not None
        else remember(_datetimes, value, _parse_datetime(value), _CACHE_LIMIT)
    )


def _parse_date(value: str) -> dt.date:
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise _Unexpected  # only YYYY-MM-DD; validation judges other forms
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Unexpected from None


def _parse_datetime(value: str) -> dt.datetime:
    if _DATETIME_FORM.fullmatch(value) is None:
        raise _Unexpected  # only QBO's form, with an offset; validation judges others
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Unexpected from None
    offset = parsed.utcoffset()
    if offset is None:
        raise _Unexpected
    seconds = int(offset.total_seconds())
    zone = _zones.get(seconds)
    if zone is None:
        zone = _zones.setdefault(seconds, TzInfo(seconds))  # the zone validation attaches
    return parsed.replace(tzinfo=zone)
