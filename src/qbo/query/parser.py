"""Text to :class:`~qbo.query.ast.Query`, with QBO's 4000 fault for every syntax error.

The one promise that matters here: for *any* input string, :func:`parse` either returns a
Query or raises :class:`~qbo.schema.faults.Fault` with code 4000 and a detail in QBO's
(JavaCC-derived) shape, ``QueryParserError: Encountered "<token>" at line L, column C.``,
with 1-based positions pointing at the offending token. The emulator hands that detail
straight back to the caller, so nothing else may escape (a stray exception would become
a 500).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from lark import Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from qbo.query.ast import (
    COUNT,
    MAX_PAGING_VALUE,
    NULL_TEXT,
    STAR,
    BooleanValue,
    Condition,
    NullValue,
    NumberValue,
    Op,
    OrderItem,
    Query,
    Selection,
    Star,
    StringValue,
    Value,
)
from qbo.query.grammar import DISPLAY_NAMES, HIDDEN_TERMINALS, lalr_parser
from qbo.schema.faults import Fault, FaultCode

# Words people try that QBO's language does not have; named in the fault to help them.
_UNSUPPORTED_HINTS: dict[str, str] = {
    "OR": "OR is not supported; run one query per alternative or use IN",
    "JOIN": "JOIN is not supported; a query reads one entity",
    "GROUP": "GROUP BY is not supported",
    "HAVING": "HAVING is not supported",
    "ORDER": "write ORDERBY as one word",
    "LIMIT": "use MAXRESULTS",
    "OFFSET": "use STARTPOSITION",
    "!": "!= is not supported",
}

_MAX_SHOWN = 40  # longest token text quoted back in a fault detail


def parse(text: str) -> Query:
    """Parse a query. Raises ``Fault`` 4000 on any syntax error, and nothing else.

    Results are cached by text (Query trees are immutable, so sharing is safe): an
    emulator mostly sees the same few queries again and again.
    """
    if not isinstance(text, str):
        raise Fault.of(
            FaultCode.QUERY_PARSE,
            f"QueryParserError: query must be text, got {type(text).__name__}",
        )
    return _parse_cached(text)


@lru_cache(maxsize=512)
def _parse_cached(text: str) -> Query:
    try:
        result = lalr_parser(_TO_AST).parse(text)
    except UnexpectedInput as exc:
        raise _syntax_fault(text, exc) from None
    except LarkError as exc:  # pragma: no cover - lark raises only UnexpectedInput on input
        raise Fault.of(FaultCode.QUERY_PARSE, f"QueryParserError: {exc}") from None
    assert isinstance(result, Query)
    return result


def parser_fault(token_text: str, line: int, column: int, why: str = "", kind: str = "") -> Fault:
    """A 4000 fault in QBO's wording, pointing at a token (1-based line and column).

    QBO's parser is JavaCC's: a token of a known kind reads
    ``Encountered " <IDENTIFIER> "TxnDate "" at line 1, column 29.``; the end of input
    and characters no token starts with read ``Encountered "<EOF>" at ...``.
    """
    shown = token_text if len(token_text) <= _MAX_SHOWN else token_text[:_MAX_SHOWN] + "..."
    token = f' {kind} "{shown} "' if kind else shown
    detail = f'QueryParserError: Encountered "{token}" at line {line}, column {column}.'
    if why:
        detail = f"{detail} {why}"
    return Fault.of(FaultCode.QUERY_PARSE, detail)


def _expecting(names: set[str] | frozenset[str]) -> str:
    shown = sorted(
        {DISPLAY_NAMES.get(name, name) for name in names if name not in HIDDEN_TERMINALS}
    )
    if not shown:
        return ""
    if len(shown) == 1:
        return f"Was expecting: {shown[0]}"
    return "Was expecting one of: " + ", ".join(shown)


def _end_position(text: str) -> tuple[int, int]:
    """Line and column just past the last non-blank character: where input ran out."""
    body = text.rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return line, column


def _syntax_fault(text: str, exc: UnexpectedInput) -> Fault:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = _expecting(_accepted(exc))
        if token.type == "$END":
            line, column = _end_position(text)
            return parser_fault("<EOF>", line, column, expected)
        hint = _UNSUPPORTED_HINTS.get(str(token).upper(), "")
        why = f"{hint}. {expected}" if hint else expected
        kind = _token_kind(token)
        return parser_fault(str(token), _pos(token.line), _pos(token.column), why, kind)
    if isinstance(exc, UnexpectedCharacters):
        rest = text[exc.pos_in_stream :]
        if exc.char == "'":
            snippet = rest.split("\n", 1)[0]
            return parser_fault(
                snippet,
                exc.line,
                exc.column,
                "Unterminated string literal (a quote inside a value is written \\')",
            )
        bad = exc.char
        hint = _UNSUPPORTED_HINTS.get(bad, "")
        expected = _expecting(_accepted(exc))
        why = f"{hint}. {expected}" if hint else expected
        return parser_fault(bad, exc.line, exc.column, why)
    line, column = _end_position(text)  # pragma: no cover - UnexpectedEOF is Earley-only
    return parser_fault("<EOF>", line, column)  # pragma: no cover


def _token_kind(token: Token) -> str:
    """The token's kind as JavaCC names it: ``<IDENTIFIER>`` for a name, the quoted
    literal for a keyword or punctuation, ``<STRING_LITERAL>``/``<NUMBER>`` for values."""
    kind = str(token.type)
    if kind == "IDENT":
        return "<IDENTIFIER>"
    if kind in ("STRING", "NUMBER"):
        return "<STRING_LITERAL>" if kind == "STRING" else "<NUMBER>"
    return f'"{str(token).lower()}"'


def _accepted(exc: UnexpectedToken | UnexpectedCharacters) -> set[str]:
    """What the parser could have taken instead: asked of the parser, not the lexer.

    The contextual lexer's own list lacks end-of-input and, LALR states being merged,
    can name tokens that would fail one step later; the interactive parser simulates
    each candidate, which is exact (and costs nothing on the success path).
    """
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is None:  # pragma: no cover - lark always attaches it for LALR
        return set(exc.expected if isinstance(exc, UnexpectedToken) else exc.allowed)
    return set(interactive.accepts())


def _pos(value: int | None) -> int:
    return value if value is not None else 1


def unescape(quoted: str) -> str:
    """The text of a quoted literal: ``\\'`` is a quote, ``\\\\`` a backslash.

    Any other backslash pair is kept as written (QBO documents only ``\\'``; keeping the
    backslash is the lenient reading), so printing escapes every backslash.
    """
    body = quoted[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(nxt if nxt in "'\\" else char + nxt)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _paging_number(token: Token, keyword: str) -> int:
    text = str(token)
    digits = text.lstrip("-")
    if not digits.isdigit():
        raise parser_fault(
            text, _pos(token.line), _pos(token.column), f"{keyword} needs an integer"
        )
    if len(digits) > len(str(MAX_PAGING_VALUE)) or int(digits) > MAX_PAGING_VALUE:
        raise parser_fault(text, _pos(token.line), _pos(token.column), f"{keyword} is too large")
    return int(text)


class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes while the LALR parser reduces (no intermediate tree)."""

    def query(self, items: list[Any]) -> Query:
        entity: Token = items[1]
        select: Selection = items[0]
        where: tuple[Condition, ...] = ()
        order_by: tuple[OrderItem, ...] = ()
        paging: tuple[int | None, int | None] = (None, None)
        for item in items[2:]:
            if isinstance(item, tuple) and item and isinstance(item[0], Condition):
                where = item
            elif isinstance(item, tuple) and item and isinstance(item[0], OrderItem):
                order_by = item
            elif isinstance(item, _Paging):
                paging = (item.start, item.max)
        return Query(str(entity), select, where, order_by, paging[0], paging[1])

    def star(self, items: list[Token]) -> Selection:
        also = tuple(str(token) for token in items[1:])
        return Star(also) if also else STAR

    def count(self, items: list[Token]) -> Selection:
        name = items[0]
        if str(name).lower() != "count":
            raise parser_fault(
                str(name), _pos(name.line), _pos(name.column), "Was expecting: count(*)"
            )
        return COUNT

    def fields(self, items: list[Token]) -> Selection:
        return tuple(str(token) for token in items)

    def where(self, items: list[Condition]) -> tuple[Condition, ...]:
        return tuple(items)

    def compare(self, items: list[Any]) -> Condition:
        return Condition(str(items[0]), Op(str(items[1])), items[2])

    def in_list(self, items: list[Any]) -> Condition:
        return Condition(str(items[0]), Op.IN, tuple(items[1:]))

    def like(self, items: list[Any]) -> Condition:
        return Condition(str(items[0]), Op.LIKE, items[1])

    def cmp_op(self, items: list[Token]) -> str:
        return str(items[0])

    def string(self, items: list[Token]) -> Value:
        text = unescape(str(items[0]))
        return NullValue() if text == NULL_TEXT else StringValue(text)

    def number(self, items: list[Token]) -> Value:
        return NumberValue(Decimal(str(items[0])))

    def true(self, items: list[Token]) -> Value:
        return BooleanValue(True)

    def false(self, items: list[Token]) -> Value:
        return BooleanValue(False)

    def order_by(self, items: list[OrderItem]) -> tuple[OrderItem, ...]:
        return tuple(items)

    def order_item(self, items: list[Token]) -> OrderItem:
        descending = len(items) > 1 and items[1].type == "DESC"
        return OrderItem(str(items[0]), descending)

    def start_position(self, items: list[Token]) -> _Paging:
        return _Paging(start=_paging_number(items[0], "STARTPOSITION"))

    def max_results(self, items: list[Token]) -> _Paging:
        return _Paging(max=_paging_number(items[0], "MAXRESULTS"))

    def no_paging(self, items: list[Any]) -> _Paging:
        return _Paging()

    def start_first(self, items: list[_Paging]) -> _Paging:
        return _Paging.merge(items)

    def max_first(self, items: list[_Paging]) -> _Paging:
        return _Paging.merge(items)


class _Paging:
    """STARTPOSITION and MAXRESULTS as written (either order is accepted)."""

    __slots__ = ("max", "start")

    def __init__(self, start: int | None = None, max: int | None = None) -> None:
        self.start = start
        self.max = max

    @classmethod
    def merge(cls, parts: list[_Paging]) -> _Paging:
        merged = cls()
        for part in parts:
            merged.start = part.start if part.start is not None else merged.start
            merged.max = part.max if part.max is not None else merged.max
        return merged


_TO_AST = _ToAst()
