"""The grammar of QBO's query language, for lark's LALR parser.

Why it is shaped like this:

* LALR with lark's *contextual* lexer: a parse is one linear pass (it runs on every
  emulator query request), and each parser state only lexes the terminals it can accept.
  That is what lets keywords double as names: after ``WHERE`` only a property can come,
  so ``WHERE Desc = 'x'`` reads ``Desc`` as a property, never as the DESC keyword. No
  position accepts both a name and a keyword, so there is nothing to disambiguate.
* Keywords are case-insensitive regexes ending in ``\\b`` so ``ANDY`` is never ``AND``
  followed by ``Y``.
* ``count(*)`` is parsed as ``IDENT ( * )`` and the name checked afterwards, so ``count``
  stays usable as an ordinary field name in a projection.
* STARTPOSITION and MAXRESULTS take a NUMBER; the parser rejects non-integers with a
  positioned 4000, and validation rejects out-of-range integers with a 4001.
* OR, JOIN, GROUP BY, NOT, parentheses around conditions, ``!=``: simply absent, so they
  are syntax errors (4000) reported at the offending token.
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Transformer

from qbo.query.ast import IDENT_PATTERN

GRAMMAR = r"""
query: _SELECT selection _FROM IDENT where? order_by? paging _SEMI?

selection: STAR (_COMMA IDENT)*                  -> star
         | IDENT _LPAR STAR _RPAR                -> count
         | IDENT (_COMMA IDENT)*                 -> fields

where: _WHERE condition (_AND condition)*

condition: IDENT cmp_op value                    -> compare
         | IDENT _IN _LPAR value (_COMMA value)* _RPAR -> in_list
         | IDENT _LIKE value                     -> like

cmp_op: EQ | LT | GT | LE | GE

value: STRING                                    -> string
     | NUMBER                                    -> number
     | TRUE                                      -> true
     | FALSE                                     -> false

order_by: _ORDERBY order_item (_COMMA order_item)*
order_item: IDENT (ASC | DESC)?

paging:                                          -> no_paging
      | start_position max_results?              -> start_first
      | max_results start_position?              -> max_first
start_position: _STARTPOSITION NUMBER
max_results: _MAXRESULTS NUMBER

_SELECT: /select\b/i
_FROM: /from\b/i
_WHERE: /where\b/i
_AND: /and\b/i
_ORDERBY: /orderby\b/i
ASC: /asc\b/i
DESC: /desc\b/i
_STARTPOSITION: /startposition\b/i
_MAXRESULTS: /maxresults\b/i
_IN: /in\b/i
_LIKE: /like\b/i
TRUE: /true\b/i
FALSE: /false\b/i

IDENT: /IDENT_PATTERN/
STRING: /'(?:[^'\\]|\\[\s\S])*'/
NUMBER: /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/

STAR: "*"
_LPAR: "("
_RPAR: ")"
_COMMA: ","
_SEMI: ";"
EQ: "="
LT: "<"
GT: ">"
LE: "<="
GE: ">="

%ignore /\s+/
""".replace("IDENT_PATTERN", IDENT_PATTERN)

# How each terminal is named in a "Was expecting one of" message (JavaCC style, as QBO).
DISPLAY_NAMES: dict[str, str] = {
    "$END": "<EOF>",
    "IDENT": "<ID>",
    "STRING": "<STRING>",
    "NUMBER": "<NUMBER>",
    "STAR": '"*"',
    "_SELECT": '"SELECT"',
    "_FROM": '"FROM"',
    "_WHERE": '"WHERE"',
    "_AND": '"AND"',
    "_ORDERBY": '"ORDERBY"',
    "ASC": '"ASC"',
    "DESC": '"DESC"',
    "_STARTPOSITION": '"STARTPOSITION"',
    "_MAXRESULTS": '"MAXRESULTS"',
    "_IN": '"IN"',
    "_LIKE": '"LIKE"',
    "TRUE": '"true"',
    "FALSE": '"false"',
    "_LPAR": '"("',
    "_RPAR": '")"',
    "_COMMA": '","',
    "EQ": '"="',
    "LT": '"<"',
    "GT": '">"',
    "LE": '"<="',
    "GE": '">="',
}

# Accepted but not advertised in error messages (QBO does not document a trailing ';').
HIDDEN_TERMINALS = frozenset({"_SEMI"})


@cache
def lalr_parser(transformer: Transformer[object, object]) -> Lark:
    """Build (once per transformer) the LALR parser that applies ``transformer`` inline.

    Building costs tens of milliseconds; parsing with the built object costs tens of
    microseconds, so the object is cached for the life of the process. Applying the
    transformer during the parse avoids building an intermediate tree.
    """
    return Lark(
        GRAMMAR,
        start="query",
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        maybe_placeholders=False,
        propagate_positions=False,
    )
