"""Hostile inputs, named, for the forms, the API and the uploads (tests/security/test_hostile_*).

Each value is what a careless or malicious person could type or send. The sets group them by
the kind of field they are aimed at: free text, amounts and counts, ids and choices.
"""

from __future__ import annotations

# --- Markup and script ---------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = '<img src=x onerror="alert(1)">'
ATTRIBUTE_BREAKOUT = '" autofocus onfocus="alert(1)'
JAVASCRIPT_URL = "javascript:alert(1)"
SQL_ISH = "' OR 1=1 --"
TEMPLATE_ISH = "{{ request.user.password }}{% debug %}"

#: The raw markup that must never come back unescaped in a page.
MARKUP = (SCRIPT, IMG_ONERROR)

# --- Size and invisible characters ---------------------------------------------------------------
OVERLONG = "A" * 10_000
NUL = "Sri\x00Wahyuni"
RTL_OVERRIDE = "Sri \u202eiranoisreV"  # displays as "Sri Versionari": drawn right to left
ZERO_WIDTH_JOINER = "Sri\u200dWahyuni"
HOMOGLYPH = "Sri W\u0430hyuni"  # the first "a" is CYRILLIC SMALL LETTER A
COMBINING = "Sri Wahyuni" + "\u0301" * 50  # fifty accents stacked on one letter
EMOJI = "Sri Wahyuni \U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467"
CONTROL = "Sri\x1b[31mWahyuni\x07"

#: Every Unicode trick above in one value (a name that is spoofed, invisible and decorated).
UNICODE_MIX = f"{RTL_OVERRIDE} {ZERO_WIDTH_JOINER} {HOMOGLYPH} {COMBINING[-12:]} {EMOJI} {CONTROL}"

#: What free-text fields are fed: refused with a message, or stored and shown escaped.
TEXTS = {
    "script": SCRIPT,
    "img_onerror": IMG_ONERROR,
    "attribute_breakout": ATTRIBUTE_BREAKOUT,
    "sql_ish": SQL_ISH,
    "template_ish": TEMPLATE_ISH,
    "overlong": OVERLONG,
    "nul": NUL,
    "unicode_mix": UNICODE_MIX,
}
#: The Unicode tricks one by one (the exports are fed these).
UNICODE_TRICKS = {
    "rtl_override": RTL_OVERRIDE,
    "zero_width_joiner": ZERO_WIDTH_JOINER,
    "homoglyph": HOMOGLYPH,
    "combining": COMBINING,
    "emoji": EMOJI,
    "control": CONTROL,
}
#: A shorter text set for the second and further text fields of one form.
TEXTS_SHORT = {name: TEXTS[name] for name in ("script", "overlong", "nul", "unicode_mix")}

# --- Numbers -------------------------------------------------------------------------------------
INT32_MAX = 2_147_483_647
INT64_MAX = 9_223_372_036_854_775_807

#: Amounts and counts: none of these is a sensible whole number of Rupiah or of things.
NUMBERS = {
    "negative_one": "-1",
    "negative_million": "-1000000",
    "zero": "0",
    "huge": "9" * 30,
    "int32_overflow": str(INT32_MAX + 1),
    "int64_overflow": str(INT64_MAX + 1),
    "float_overflow": "1e309",
    "nan": "NaN",
    "infinity": "Infinity",
    "decimal_comma": "1,5",
    "padded": " 12 ",
    "hex": "0x10",
    "fraction": "0.5",
    "arabic_indic_digits": "\u0661\u0662",  # "١٢": Unicode digits, not ASCII
    "nul": "1\x00",
    "text": "seratus ribu",
}
#: A shorter number set for the second and further number fields of one form.
NUMBERS_SHORT = {
    name: NUMBERS[name]
    for name in ("negative_one", "huge", "int64_overflow", "nan", "decimal_comma", "nul")
}
#: Counts (terms, quantities, member numbers, days) and percentages: the number set less the
#: amount-specific spellings.
COUNTS = {
    name: NUMBERS[name]
    for name in (
        "negative_one",
        "zero",
        "huge",
        "int32_overflow",
        "int64_overflow",
        "float_overflow",
        "nan",
        "fraction",
        "padded",
        "arabic_indic_digits",
        "nul",
        "text",
    )
}
PERCENTS = {
    name: NUMBERS[name]
    for name in (
        "negative_one",
        "huge",
        "int64_overflow",
        "float_overflow",
        "nan",
        "infinity",
        "fraction",
        "decimal_comma",
        "nul",
        "text",
    )
}
#: Values that a lenient parser may legitimately read as a number ("12" and "١٢" for an
#: IntegerField): accepted is fine for these, provided the stored value is that number.
NUMBERS_READABLE = {"padded": 12, "arabic_indic_digits": 12}

# --- Ids and choices -----------------------------------------------------------------------------
#: Ids that point nowhere; another cooperative's (or partner's) id is added per test.
FORGED_IDS = {
    "missing": "99999999",
    "letters": "abc",
    "huge": "9" * 30,
    "nul": "1\x00",
    "sql_ish": SQL_ISH,
}


# --- Choices, dates, emails, links ---------------------------------------------------------------
CHOICES = {"bogus": SCRIPT, "nul": "a\x00", "overlong": OVERLONG}
DATES = {
    "february_30": "2025-02-30",
    "year_99999": "99999-01-01",
    "zeros": "0000-00-00",
    "nul": "2025-01-01\x00",
    "overlong": OVERLONG,
}
DATETIMES = {name: f"{value}T09:00" for name, value in DATES.items()}
MONTHS = {
    "month_13": "2025-13",
    "year_99999": "99999-01",
    "zeros": "0000-00",
    "negative": "-1",
    "nul": "2025-01\x00",
    "script": SCRIPT,
}
EMAILS = {
    "script": f"{SCRIPT}@example.test",
    "two_at": "a@b@example.test",
    "nul": "sri\x00@example.test",
    "overlong": "a" * 10_000 + "@example.test",
    "rtl_override": "sri\u202e@example.test",
}
LINKS = {
    "javascript": JAVASCRIPT_URL,
    "data": "data:text/html,<script>alert(1)</script>",
    "nul": "https://example.test/\x00",
    "overlong": "https://example.test/" + "a" * 10_000,
}


def unicode_digits(value: str) -> str:
    """`value` with its ASCII digits written as Arabic-Indic digits: "32" -> "٣٢". Python's
    `int()` and regex `\\d` read them as digits; a number field must not."""
    return value.translate({ord("0") + n: 0x0660 + n for n in range(10)})


def escaped(text: str) -> str:
    """`text` as Django's autoescape writes it in HTML."""
    from django.utils.html import escape

    return str(escape(text))
