"""The `memberkpi` command."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="memberkpi: member-operations metrics warehouse on dbt + DuckDB.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Generate demo data, validate raw exports, build, publish and chart KPIs."""


if __name__ == "__main__":
    app()
