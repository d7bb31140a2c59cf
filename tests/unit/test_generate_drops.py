"""`memberkpi generate --layout drops`: the current rows of the drops are the
snapshot of the same seed, table by table, and the snapshot layout stays
the default.

The current rows are computed here from RAW_CONTRACT.md "Daily drops" (per
primary key, the rows of the greatest `ds`, unless that drop marks the key
`is_deleted`), not by the dbt macro that reads drops in a build.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import PROJECT_DIR
from memberkpi.contract.raw import load_contract
from memberkpi.core.sql_text import sql_string
from memberkpi.demo.generate import GenerateOptions, generate

CONTRACT = load_contract(PROJECT_DIR)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("layouts")
    common = {"members": 800, "years": 1, "seed": 3}
    generate(GenerateOptions(out=root / "snapshot", **common))  # type: ignore[arg-type]
    generate(GenerateOptions(out=root / "drops", layout="drops", drop_days=10, **common))  # type: ignore[arg-type]
    return root / "snapshot", root / "drops"


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_current_rows_of_the_drops_are_the_snapshot(layouts: tuple[Path, Path], table: str) -> None:
    snapshot, drops = layouts
    keys = ", ".join(CONTRACT[table].primary_key)
    columns = ", ".join(CONTRACT[table].column_names)
    pattern = sql_string(str(drops / table / "ds=*" / "*.parquet"))
    current = f"""
        select {columns} from (
            select
                *,
                max(ds) over (partition by {keys}) as latest_ds,
                bool_or(is_deleted) over (partition by {keys}, ds) as is_gone
            from read_parquet({pattern}, hive_partitioning = true)
        )
        where ds = latest_ds and not is_gone
    """
    written = (
        f"select {columns} from read_parquet({sql_string(str(snapshot / f'{table}.parquet'))})"
    )
    with duckdb.connect() as connection:
        (extra,) = connection.execute(
            f"select count(*) from ({current} except all {written})"
        ).fetchone()
        (lacking,) = connection.execute(
            f"select count(*) from ({written} except all {current})"
        ).fetchone()
    assert (extra, lacking) == (0, 0)


def test_drops_replace_the_snapshot_files_and_back(tmp_path: Path) -> None:
    """One layout per folder: generating the other layout removes the first's files."""
    options = {"members": 200, "years": 1, "seed": 3, "out": tmp_path}
    generate(GenerateOptions(**options))  # type: ignore[arg-type]
    generate(GenerateOptions(layout="drops", drop_days=3, **options))  # type: ignore[arg-type]
    assert not list(tmp_path.glob("*.parquet"))
    assert sorted(path.name for path in (tmp_path / "orders").iterdir())[0].startswith("ds=")
    generate(GenerateOptions(**options))  # type: ignore[arg-type]
    assert not [path for path in tmp_path.iterdir() if path.is_dir()]


def test_drops_refuse_dirty(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--dirty"):
        generate(GenerateOptions(members=10, out=tmp_path, layout="drops", dirty=True))
