"""`dbt <args>` for the tests, with the project parsed once per worker.

Usage: python tests/dbt_parsed_once.py <dbt args>, with the environment of
helpers.dbt_env and helpers.PARSE_CACHE_ENV naming a cache directory.

Why: every test build has its own target directory and DuckDB file, so
dbt's partial parsing never applies (dbt reparses when the profile's
connection values change, and the DuckDB path is one of them). A full parse
of this project takes about 13 s, a third of a small build, and the suite
runs dozens of builds. The project files do not change during a test run.

How: the first run for a given parse key (the `--vars`, the target and
the DuckDB file's name, which dbt-duckdb uses as the database name in every
relation) is an ordinary dbt run; its partial-parse file is then kept in
the cache. Later runs with the same key load that manifest and hand it to
dbtRunner, which then skips parsing; everything else (compilation, hooks,
execution, artifacts) is dbt's own. Raw files are read at execution time
(macro register_raw_tables), so the raw directory is not part of the key.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner
from dbt.contracts.graph.manifest import Manifest
from dbt.parser.manifest import extended_mashumuro_decoder

from helpers import PARSE_CACHE_ENV

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def option_value(args: list[str], name: str) -> str:
    """The value after `name` in args, or an empty string."""
    if name in args[:-1]:
        return args[args.index(name) + 1]
    return ""


def parse_key(args: list[str]) -> str:
    """What the parsed manifest depends on besides the project files."""
    target = option_value(args, "--target") or os.environ.get("MEMBERKPI_TARGET", "dev")
    database = Path(os.environ.get("MEMBERKPI_DB", "memberkpi.duckdb")).stem
    text = "\x00".join([option_value(args, "--vars"), target, database])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_manifest(path: Path) -> Manifest:
    manifest = Manifest.from_msgpack(path.read_bytes(), decoder=extended_mashumuro_decoder)
    manifest.build_flat_graph()
    return manifest


def keep(produced: Path, cached: Path) -> None:
    """Copy the partial-parse file into the cache, atomically."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(produced, partial)
    partial.replace(cached)


def main(args: list[str]) -> int:
    cached = Path(os.environ[PARSE_CACHE_ENV]) / parse_key(args) / PARTIAL_PARSE_FILE
    produced = Path(os.environ["DBT_TARGET_PATH"]) / PARTIAL_PARSE_FILE
    if cached.exists():
        result = dbtRunner(manifest=load_manifest(cached)).invoke(args)
    else:
        result = dbtRunner().invoke(args)
        if produced.exists():
            keep(produced, cached)
    # dbt's own exit codes: 0 success, 1 a node failed, 2 dbt itself failed
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
