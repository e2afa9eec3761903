"""The one tokenizer of the expression language (all five expression kinds share it).

DynamoDB's lexer knows names (``[A-Za-z][A-Za-z0-9_]*``: a leading ``_`` is a token of its own,
so ``SET _abc = :v`` is refused with ``token: "_", near: "SET _abc"``), ``#name`` and ``:value``
placeholders, unsigned integers (only meaningful as list indexes), the operators
``= <> < <= > >= + -``, the punctuation ``( ) [ ] , .`` and nine keywords, matched without
regard to case: AND OR NOT BETWEEN IN (conditions) and SET REMOVE ADD DELETE (updates). Every
kind of expression reserves all nine. Any other character is a token of its own that no rule
accepts, so it surfaces as a syntax error naming that character.

A syntax error names the token where reading stopped and the text "near" it: from the start of
the token before it to the end of the token after it (``INVALID SYNTAX HERE`` ->
``token: "INVALID", near: "INVALID SYNTAX"``; ``a,`` -> ``token: "<EOF>", near: ","``).
"""

from __future__ import annotations

from typing import NamedTuple

KEYWORDS = frozenset(("AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"))

# Token kinds. A keyword's kind is the keyword itself (upper case); operators and punctuation
# are their own text.
NAME = "name"  # a bare attribute or function name
PLACEHOLDER = "#"  # #name
VALUE = ":"  # :value
INT = "int"
BAD = "bad"
EOF = "EOF"

_TWO_CHAR = {"<>": "<>", "<=": "<=", ">=": ">="}
_ONE_CHAR = frozenset("=<>+-()[],.")
_WHITESPACE = frozenset(" \t\n\r")


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; the list always ends with an EOF token."""
    tokens: list[Token] = []
    append = tokens.append
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            i += 1
            continue
        start = i
        if char.isascii() and char.isalpha():
            i += 1
            while i < n and _is_word_char(text[i]):
                i += 1
            word = text[start:i]
            upper = word.upper()
            append(Token(upper if upper in KEYWORDS else NAME, word, start, i))
        elif char == "#" or char == ":":
            i += 1
            while i < n and _is_word_char(text[i]):
                i += 1
            kind = BAD if i == start + 1 else (PLACEHOLDER if char == "#" else VALUE)
            append(Token(kind, text[start:i], start, i))
        elif "0" <= char <= "9":
            i += 1
            # A leading zero stands alone: "01" is two tokens, so "[01]" is a syntax error.
            if char != "0":
                while i < n and "0" <= text[i] <= "9":
                    i += 1
            append(Token(INT, text[start:i], start, i))
        elif text[i : i + 2] in _TWO_CHAR:
            i += 2
            append(Token(text[start:i], text[start:i], start, i))
        elif char in _ONE_CHAR:
            i += 1
            append(Token(char, char, start, i))
        else:
            i += 1
            append(Token(BAD, char, start, i))
    tokens.append(Token(EOF, "<EOF>", n, n))
    return tokens


def syntax_message(text: str, tokens: list[Token], index: int) -> str:
    """DynamoDB's syntax-error text for a failure at ``tokens[index]`` (without the prefix)."""
    token = tokens[index]
    start = tokens[index - 1].start if index > 0 else token.start
    end = tokens[index + 1].end if index + 1 < len(tokens) else token.end
    return f'Syntax error; token: "{token.text}", near: "{text[start:end]}"'
