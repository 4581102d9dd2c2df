"""Parsers for the odd values found in raw sources. Each returns a value or raises ``ParseError`` with the rule.

Exactness: percentages and fractions are parsed with ``Decimal`` so that "50.00%" becomes exactly the same float
as 0.5 (band membership is then decided in integer basis points, see ``tasks.core.bands``).

Strictness: a number is digits (thousands separators only in groups of three), an optional decimal part and, where
a parser says so, an exponent. Python's ``float()`` would also take ``1_000``, ``nan``, ``inf``, ``infinity`` and
surrounding Unicode spaces; none of those is a number here, and no parser calls ``float()`` on raw text. A number
beyond the range of a float (``1e999``, 400 digits) is a ``ParseError`` too, never an infinity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation


class ParseError(ValueError):
    """A raw value that breaks a parsing rule; ``rule`` names the rule for the quarantine."""

    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_EXPONENT = re.compile(r"^(.*?)[eE]([+-]?\d{1,6})$")


def is_blank(text: object) -> bool:
    return text is None or (isinstance(text, float) and text != text) or str(text).strip() == ""


def parse_decimal(text: str) -> Decimal:
    """'1,234.5' -> Decimal('1234.5'); thousands separators only in groups of three."""
    cleaned = str(text).strip()
    if not cleaned or not _NUMBER.match(cleaned) or cleaned in {"+", "-", "."}:
        raise ParseError(f"not a number: {text!r}")
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex already excludes these
        raise ParseError(f"not a number: {text!r}") from exc


def finite(value: Decimal, text) -> float:
    """A Decimal as a float; beyond the range of a float it is a ``ParseError``, never an infinity."""
    number = float(value)
    if not math.isfinite(number):
        raise ParseError(f"number beyond the range of a float: {str(text)[:40]!r}")
    return number


def parse_number(text: str) -> float | None:
    """A plain number ('2,589.00' -> 2589.0); blank -> None."""
    if is_blank(text):
        return None
    return finite(parse_decimal(text), text)


def parse_number_text(text: str) -> float | None:
    """A number written as text, with an optional exponent ('1.14E+09', '2,589.00', '-3'); blank -> None.
    '1_000', 'nan', 'inf' and '1e999' are ``ParseError``s (see the module's docstring)."""
    if is_blank(text):
        return None
    cleaned = str(text).strip()
    match = _EXPONENT.match(cleaned)
    mantissa, exponent = (match.group(1), int(match.group(2))) if match else (cleaned, 0)
    if not re.search(r"\d", mantissa):
        raise ParseError(f"not a number: {text!r}")
    try:
        value = parse_decimal(mantissa)
    except ParseError:
        raise ParseError(f"not a number: {text!r}") from None
    return finite(value.scaleb(exponent) if exponent else value, text)


def parse_usd(text: str) -> float | None:
    """A price in US dollars: '$0.15', '$1,234.50 ', '0.82' -> float; blank -> None."""
    if is_blank(text):
        return None
    cleaned = str(text).strip()
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-").strip()
    if cleaned.startswith("$"):
        cleaned = cleaned[1:].strip()
    if cleaned.startswith("-"):
        raise ParseError(f"malformed price: {text!r}")
    try:
        value = parse_decimal(cleaned)
    except ParseError as exc:
        raise ParseError(f"not a price in USD: {text!r}") from exc
    return finite(-value if negative else value, text)


def parse_fraction(text: str) -> float | None:
    """A score as a fraction of 1: '45%' -> 0.45, '98.30%' -> 0.983, '0.771' -> 0.771; blank -> None.

    A bare number above 1 is ambiguous (a percentage that lost its '%', or an error) and is rejected.
    """
    if is_blank(text):
        return None
    cleaned = str(text).strip()
    if cleaned.endswith("%"):
        try:
            value = parse_decimal(cleaned[:-1]) / Decimal(100)
        except ParseError as exc:
            raise ParseError(f"not a percentage: {text!r}") from exc
    else:
        try:
            value = parse_decimal(cleaned)
        except ParseError as exc:
            raise ParseError(f"not a score: {text!r}") from exc
        if value > 1:
            raise ParseError(f"bare number above 1 where a fraction or a percentage was expected: {text!r}")
    return finite(value, text)


def parse_mdy_date(text: str) -> dt.date | None:
    """US month/day/year: '6/26/25' -> 2025-06-26, '12/1/2024' -> 2024-12-01; blank -> None.

    Two-digit years are 20yy (the sources describe models released since 2000).
    """
    if is_blank(text):
        return None
    match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\s*", str(text))
    if not match:
        raise ParseError(f"not a m/d/yy date: {text!r}")
    month, day, year = (int(part) for part in match.groups())
    if year < 100:
        year += 2000
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"impossible date: {text!r}") from exc


def parse_iso_date(text: str) -> dt.date | None:
    """'2025-02-01' (a time part, if any, is ignored) -> date; blank -> None."""
    if is_blank(text):
        return None
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})([T ].*)?\s*", str(text))
    if not match:
        raise ParseError(f"not an ISO date: {text!r}")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise ParseError(f"impossible date: {text!r}") from exc


def parse_bool(text: str) -> bool | None:
    if is_blank(text):
        return None
    cleaned = str(text).strip().lower()
    if cleaned in {"true", "t", "yes", "y", "1"}:
        return True
    if cleaned in {"false", "f", "no", "n", "0"}:
        return False
    raise ParseError(f"not a boolean: {text!r}")


def slugify(name: str) -> str:
    """A stable, readable id: lower case ASCII letters, digits, '.' and '-'.

    'Gemini 2.0 Flash Thinking exp. (Jan '25)' -> 'gemini-2.0-flash-thinking-exp-jan-25'. A name with no ASCII
    letter or digit at all ('模型', '🚀') gets ``u-`` and 12 hex digits of the sha256 of its NFC form: stable, and
    distinct for distinct names, where an empty slug would have lost the model (or the whole file).
    """
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("+", " plus ")  # Command-R+ and Command-R must not collide
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_name.lower())
    slug = re.sub(r"\.(?![0-9])|(?<![0-9])\.", "-", slug)  # keep dots only inside numbers (2.5, 3.1)
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")
    if not slug and str(name).strip():
        digest = hashlib.sha256(unicodedata.normalize("NFC", str(name).strip()).encode("utf-8")).hexdigest()
        return f"u-{digest[:12]}"
    return slug
