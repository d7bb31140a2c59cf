"""The `memberkpi` command."""

from __future__ import annotations

import typer

from memberkpi.activation.audiences import audience_app
from memberkpi.dashboard.render import dashboard_command
from memberkpi.demo.generate import generate_command
from memberkpi.monitoring.alerts import alerts_command
from memberkpi.pipeline.run import demo_command, run_command
from memberkpi.publish.serving import publish_command
from memberkpi.quality.validate import validate_command

app = typer.Typer(
    help="memberkpi: member-operations metrics warehouse on dbt + DuckDB.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Validate a brand's raw exports, build, publish and chart KPIs; or the same on demo data."""


app.command("run")(run_command)
app.command("demo")(demo_command)
app.command("generate")(generate_command)
app.command("validate")(validate_command)
app.command("publish")(publish_command)
app.command("dashboard")(dashboard_command)
app.add_typer(audience_app, name="audience")
app.command("alerts")(alerts_command)


if __name__ == "__main__":
    app()
