"""Numbers, money and shares as the page's language writes them (babel, CLDR data).

Dutch writes a thousands separator as a point and decimals after a comma (5.701; € 40.000;
0,50); English the other way round. Every number the page shows goes through these
functions, never through ``f"{x:,}"``. A missing value (None or NaN) is shown as a dash.
"""

from __future__ import annotations

import math

from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DASH = "–"


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["nl"])


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def num(x, lang: str, digits: int = 0) -> str:
    """``x`` with ``digits`` decimals and thousands separators: 5.701 / 0,50 (nl), 5,701 / 0.50 (en)."""
    if _missing(x):
        return DASH
    return format_decimal(float(x), format=_pattern(digits), locale=_locale(lang))


def signed(x, lang: str, digits: int = 2) -> str:
    """``x`` with its sign always written (+0,03 / −0,03); zero at this precision has none."""
    if _missing(x):
        return DASH
    text = num(abs(float(x)), lang, digits)
    if round(float(x), digits) == 0:
        return num(0.0, lang, digits)
    return ("+" if x > 0 else "−") + text


def money(x, lang: str, digits: int = 0) -> str:
    """An amount in euros: € 40.000 (nl), €40,000 (en)."""
    if _missing(x):
        return DASH
    fmt = "¤ " + _pattern(digits) if lang == "nl" else "¤" + _pattern(digits)
    return format_currency(float(x), "EUR", format=fmt, locale=_locale(lang), currency_digits=False)


def pct(x, lang: str, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage: 12,5% (nl), 12.5% (en)."""
    if _missing(x):
        return DASH
    return format_percent(float(x), format=_pattern(digits) + "%", locale=_locale(lang))


def auto(x, lang: str) -> str:
    """A value of unknown scale with as many decimals as make it readable (no 16-digit numbers).

    Whole numbers stay whole; otherwise about three significant digits, at most four decimals.
    """
    if _missing(x):
        return DASH
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or float(x).is_integer():
        return num(x, lang, 0)
    size = abs(float(x))
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3 if size >= 0.01 else 4
    return num(x, lang, digits)
