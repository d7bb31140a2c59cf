{#- Phi(x), the standard normal cumulative distribution function, in
    portable SQL (DuckDB and Spark have no erf or normal CDF). Hart's
    double-precision algorithm (Hart 1968, as given by G. West, "Better
    approximations to cumulative normal functions", Wilmott 2005): a rational
    function of |x| times exp(-x^2 / 2) for |x| < 7.0710678 (= 10 / sqrt(2)),
    a continued fraction beyond it, 0 beyond 37. It returns the lower tail
    Phi(-|x|) directly, so a two-sided p-value 2 * Phi(-|z|) stays exact far
    into the tail: absolute error below 1e-15, relative error of the lower
    tail below 1e-8 (checked against Python's math.erfc).
    `x` must be a column or a parenthesised expression; it is evaluated
    several times. -#}
{% macro standard_normal_cdf(x) %}
    {{ return(adapter.dispatch('standard_normal_cdf', 'memberkpi')(x)) }}
{% endmacro %}


{% macro default__standard_normal_cdf(x) %}
    {%- set ax = 'abs(' ~ x ~ ')' -%}
    {%- set lower_tail -%}
        case
            when {{ ax }} > 37 then 0.0
            when {{ ax }} < 7.07106781186547 then
                exp(-{{ ax }} * {{ ax }} / 2.0)
                * (((((( 3.52624965998911e-02 * {{ ax }}
                    + 0.700383064443688) * {{ ax }}
                    + 6.37396220353165) * {{ ax }}
                    + 33.912866078383) * {{ ax }}
                    + 112.079291497871) * {{ ax }}
                    + 221.213596169931) * {{ ax }}
                    + 220.206867912376)
                / (((((((8.83883476483184e-02 * {{ ax }}
                    + 1.75566716318264) * {{ ax }}
                    + 16.064177579207) * {{ ax }}
                    + 86.7807322029461) * {{ ax }}
                    + 296.564248779674) * {{ ax }}
                    + 637.333633378831) * {{ ax }}
                    + 793.826512519948) * {{ ax }}
                    + 440.413735824752)
            else
                exp(-{{ ax }} * {{ ax }} / 2.0)
                / ({{ ax }} + 1.0 / ({{ ax }} + 2.0 / ({{ ax }}
                    + 3.0 / ({{ ax }} + 4.0 / ({{ ax }} + 0.65)))))
                / 2.506628274631
        end
    {%- endset -%}
    case
        when {{ x }} is null then null
        when {{ x }} > 0 then 1.0 - ({{ lower_tail }})
        else {{ lower_tail }}
    end
{%- endmacro %}
