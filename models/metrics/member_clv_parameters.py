"""Fitted BG/NBD and Gamma-Gamma parameters of the predicted-CLV models.

Fits both models by maximum likelihood (memberkpi.clv.scoring) on
fct_member_clv_inputs, the purchase summary built in SQL from fct_orders.
One row; no row when no member has a purchase by the calibration end.
Enabled by var enable_python_models (member_clv_parameters.yml).
"""

from typing import Any

import duckdb

from memberkpi.clv import scoring


def model(dbt: Any, session: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """dbt passes its model object and the DuckDB connection; returns the typed table."""
    dbt.config(materialized="table")
    inputs = dbt.ref("fct_member_clv_inputs").df()
    parameters = scoring.parameters_frame(scoring.fit_inputs(inputs))
    return session.from_df(parameters).project(scoring.cast_select(scoring.PARAMETER_TYPES))
