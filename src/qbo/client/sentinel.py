"""``NOT_GIVEN``: "this argument was not passed", as distinct from ``None``.

A QBO sparse update changes exactly the fields it sends, so the client must tell "leave
this field alone" (the argument was not given) from "clear this field" (``None``, sent
as JSON null). Keyword arguments default to :data:`NOT_GIVEN` wherever that matters.
"""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal, TypeAlias


class _NotGiven(Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = _NotGiven.NOT_GIVEN
NotGiven: TypeAlias = Literal[_NotGiven.NOT_GIVEN]
