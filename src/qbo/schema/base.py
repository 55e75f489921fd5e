"""The base of the generated QBO models and the field types they share.

Models are a typed *view* of QBO JSON, not a validator of it: every field is optional
(QBO omits empty fields), unknown fields are kept (a newer minor version may add some and
a round trip must not drop them), and enumerations are plain strings (QBO adds values).
What the models do enforce is the part that silently corrupts data when wrong: money is
``Decimal``, datetimes must carry an offset, dates are dates.

Rows read from QBO are *lean* (see ``qbo.schema.rows``): their ``__dict__`` holds only the
fields QBO sent, and the set of sent fields and the extra-field dict are made on first use.
A model with sixty optional fields of which a row sends fifteen then costs what the fifteen
cost, which is what makes a bulk read of 100,000 rows affordable. Everything public behaves
as for a validated model: a field not sent reads as None; dumps, ``dict(model)``, ``repr``
and equality see every field (the lean row is completed on the fly, in declaration order);
the first assignment completes the row in place, so key order and the set fields are those
a validated model would have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)


def _iso(value: dt.date | dt.datetime) -> str:
    return value.isoformat()


# ``YYYY-MM-DD`` on output.
QBODate = Annotated[dt.date, PlainSerializer(_iso, return_type=str)]
# ISO 8601 with its offset on output; naive input is refused (a naive time in QBO data is
# ambiguous across the company's and the client's time zones).
QBODateTime = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str)]

_setattr = object.__setattr__
_getattribute = object.__getattribute__


@cache
def _ranks(model: type[BaseModel]) -> dict[str, int]:
    """Each field's place in the declaration order of a model."""
    return {name: index for index, name in enumerate(model.__pydantic_fields__)}


class QBOModel(BaseModel):
    """Base of every generated model: forward compatible, JSON names as attribute names."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_qbo(self) -> dict[str, Any]:
        """The QBO JSON form: None omitted, Decimal kept (write it with ``jsoncodec``)."""
        return self.model_dump(mode="python", by_alias=True, exclude_none=True)

    @classmethod
    def from_qbo(cls, data: Any) -> Self:
        """This model from a QBO JSON object (as read by ``jsoncodec.loads``).

        The result equals ``model_validate(data)`` and fails the same way on bad data;
        well-formed rows skip pydantic's per-field validation (``qbo.schema.rows``).
        """
        from qbo.schema.rows import build  # rows imports this module

        return build(cls, data)

    # -- lean rows: fields not sent are absent from __dict__ ---------------------------

    def _is_lean(self) -> bool:
        return len(self.__dict__) != len(type(self).__pydantic_fields__)

    def _sent_fields(self) -> set[str]:
        """The set fields, without storing a set on a lean row that has none yet.

        A lean row's are the fields it holds and its extra fields, as validation counts.
        """
        try:
            fields_set: set[str] = _getattribute(self, "__pydantic_fields_set__")
        except AttributeError:
            return {*self.__dict__, *self._extra_fields()}
        return fields_set

    def _extra_fields(self) -> dict[str, Any]:
        """The extra fields, without storing a dict on a lean row that has none yet."""
        try:
            extra: dict[str, Any] | None = _getattribute(self, "__pydantic_extra__")
        except AttributeError:
            return {}
        return extra if extra is not None else {}

    def _complete_dict(self) -> dict[str, Any]:
        values = self.__dict__
        return {name: values.get(name) for name in type(self).__pydantic_fields__}

    def _completed(self) -> Self:
        """A complete copy of a lean row (for dumps): same values, set fields and extras."""
        full = type(self).__new__(type(self))
        _setattr(full, "__dict__", self._complete_dict())
        _setattr(full, "__pydantic_fields_set__", self._sent_fields())
        _setattr(full, "__pydantic_extra__", self._extra_fields())
        _setattr(full, "__pydantic_private__", self.__pydantic_private__)
        return full

    def _complete(self) -> None:
        """Make a lean row complete in place, before anything changes it."""
        if self._is_lean():
            _setattr(self, "__pydantic_fields_set__", self._sent_fields())
            _setattr(self, "__pydantic_extra__", self._extra_fields())
            _setattr(self, "__dict__", self._complete_dict())

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        fields = type(self).__pydantic_fields__
        if len(self.__dict__) == len(fields):
            return handler(self)
        if not (info.exclude_none or info.exclude_unset or info.exclude_defaults):
            return handler(self._completed())  # every field, None for those not sent
        # The fields not sent would be left out anyway: only their order is to be made
        # the declaration order (a lean row keeps QBO's), extra fields last, as validated.
        out = handler(self)
        if not isinstance(out, dict):
            return out
        rank = _ranks(type(self))
        last = len(rank)
        return dict(sorted(out.items(), key=lambda item: rank.get(item[0], last)))

    def model_copy(self, *, update: Any = None, deep: bool = False) -> Self:
        if update:
            self._complete()  # the update must land where a validated model keeps it
        return super().model_copy(update=update, deep=deep)

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        if not self._is_lean():
            yield from super().__iter__()
            return
        yield from self._complete_dict().items()
        yield from self._extra_fields().items()

    if not TYPE_CHECKING:
        # Outside type checking, as pydantic does, so mypy still refuses unknown attributes.

        def __getattr__(self, name: str) -> Any:
            if name in type(self).__pydantic_fields__:
                return None  # a field the row did not send: its default
            if name == "__pydantic_fields_set__":
                fields_set = self._sent_fields()
                _setattr(self, name, fields_set)
                return fields_set
            if name == "__pydantic_private__":
                return None  # lean rows leave it unset: no model has private attributes
            if name == "__pydantic_extra__":
                extra: dict[str, Any] = {}
                _setattr(self, name, extra)
                return extra
            return super().__getattr__(name)

        def __setattr__(self, name: str, value: Any) -> None:
            self._complete()
            super().__setattr__(name, value)

        def __delattr__(self, name: str) -> None:
            self._complete()
            super().__delattr__(name)

        def __eq__(self, other: Any) -> bool:
            if not isinstance(other, QBOModel) or not (self._is_lean() or other._is_lean()):
                return super().__eq__(other)
            return (
                type(self) is type(other)
                and self.__pydantic_private__ == other.__pydantic_private__
                and self._extra_fields() == other._extra_fields()
                and self._complete_dict() == other._complete_dict()
            )

        def __repr_args__(self) -> Any:
            if not self._is_lean():
                return super().__repr_args__()
            return self._completed().__repr_args__()
