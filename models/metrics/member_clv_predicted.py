"""Predicted 12-month CLV per member: BG/NBD purchases x Gamma-Gamma value.

Scores every member of fct_member_clv_inputs with the parameters fitted by
member_clv_parameters (memberkpi.clv.scoring). Enabled by var
enable_python_models (member_clv_predicted.yml).
"""

from typing import Any

import duckdb

from memberkpi.clv import scoring


def model(dbt: Any, session: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """dbt passes its model object and the DuckDB connection; returns the typed table."""
    dbt.config(materialized="table")
    inputs = dbt.ref("fct_member_clv_inputs").df()
    parameters = dbt.ref("member_clv_parameters").df()
    predicted = scoring.score_inputs(inputs, parameters)
    return session.from_df(predicted).project(scoring.cast_select(scoring.PREDICTION_TYPES))
