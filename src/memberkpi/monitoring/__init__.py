"""Monitoring: the alerts of metrics.kpi_alerts for schedulers and CI."""
