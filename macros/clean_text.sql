{#- The characters trimmed from both ends of every raw text value, as a
    regular-expression class that DuckDB (RE2) and Spark (Java) read alike:
    Unicode White_Space (tab, LF, VT, FF, CR, space, U+0085, U+00A0,
    U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) plus the
    invisible U+200B (zero width space) and U+FEFF (byte order mark).
    The GX gate keeps the same class in src/memberkpi/quality/text.py;
    tests/unit/test_quality.py proves the two are equal. -#}
{% macro whitespace_class() -%}
    [\x{9}-\x{d}\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]
{%- endmacro %}


{#- A raw value as trimmed text: cast to text, every character of
    whitespace_class() removed from both ends, blank as null. -#}
{% macro clean_text(column) %}
    {{ return(adapter.dispatch('clean_text', 'memberkpi')(column)) }}
{% endmacro %}


{% macro default__clean_text(column) -%}
    {%- set spaces = memberkpi.whitespace_class() -%}
    nullif(regexp_replace(
        cast({{ column }} as string), '^{{ spaces }}+|{{ spaces }}+$', '', 'g'
    ), '')
{%- endmacro %}


{#- Spark: regexp_replace replaces every match; a raw string literal keeps
    the backslashes of the class for Java's regex. -#}
{% macro spark__clean_text(column) -%}
    {%- set spaces = memberkpi.whitespace_class() -%}
    nullif(regexp_replace(
        cast({{ column }} as string), r'^{{ spaces }}+|{{ spaces }}+$', ''
    ), '')
{%- endmacro %}
