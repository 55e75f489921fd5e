"""The base of the generated QBO models and the field types they share.

Models are a typed *view* of QBO JSON, not a validator of it: every field is optional
(QBO omits empty fields), unknown fields are kept (a newer minor version may add some and
a round trip must not drop them), and enumerations are plain strings (QBO adds values).
What the models do enforce is the part that silently corrupts data when wrong: money is
``Decimal``, datetimes must carry an offset, dates are dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer


def _iso(value: dt.date | dt.datetime) -> str:
    return value.isoformat()


# ``YYYY-MM-DD`` on output.
QBODate = Annotated[dt.date, PlainSerializer(_iso, return_type=str)]
# ISO 8601 with its offset on output; naive input is refused (a naive time in QBO data is
# ambiguous across the company's and the client's time zones).
QBODateTime = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str)]


class QBOModel(BaseModel):
    """Base of every generated model: forward compatible, JSON names as attribute names."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_qbo(self) -> dict[str, Any]:
        """The QBO JSON form: None omitted, Decimal kept (write it with ``jsoncodec``)."""
        return self.model_dump(mode="python", by_alias=True, exclude_none=True)

    @classmethod
    def from_qbo(cls, data: Any) -> Self:
        """Validate a QBO JSON object (as read by ``jsoncodec.loads``) into this model."""
        return cls.model_validate(data)
