"""Predicted customer lifetime value: the BG/NBD x Gamma-Gamma models (fitting)
and the member scoring the dbt Python models call (scoring)."""
