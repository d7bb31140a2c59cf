"""How raw text is trimmed: the same rule as the staging models.

Every raw text value (keys, codes, free text, and the text of timestamps,
dates and numbers before they are cast) loses the characters of
`WHITESPACE_CLASS` at both ends, and a value left blank is null. The class
is Unicode's White_Space property (tab, LF, VT, FF, CR, space, U+0085,
U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
plus two invisible characters exports carry: U+200B (zero width space) and
U+FEFF (byte order mark). So `O1\\t`, `O1\\r`, `O1\\u3000` and ` O1` are
all the key `O1`.

dbt writes the rule in macros/clean_text.sql (macro `whitespace_class`,
used by `clean_text`); the class is spelled there exactly as here, in the
regular-expression syntax DuckDB (RE2) and Spark (Java) share, and
tests/unit/test_quality.py checks that the two spellings are equal and that
they trim exactly the characters listed above.
"""

from __future__ import annotations

WHITESPACE_CLASS = (
    r"[\x{9}-\x{d}\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200b}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
)
# the characters of WHITESPACE_CLASS as code points (tests/unit/test_quality.py)
WHITESPACE_CODE_POINTS: frozenset[int] = frozenset(
    [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200C)]
    + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF]
)


def clean_text_sql(expression: str) -> str:
    """DuckDB SQL for `expression` as trimmed text, blank as null (macro clean_text)."""
    pattern = f"^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"
    return f"nullif(regexp_replace(cast({expression} as varchar), '{pattern}', '', 'g'), '')"
