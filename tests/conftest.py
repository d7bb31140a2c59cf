"""Shared pytest fixtures. Helpers for dbt builds live in tests/helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def dbt_work_dir(tmp_path: Path) -> Path:
    """A private directory for one test's dbt target, logs and DuckDB file."""
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    return work_dir


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """An empty raw directory for a test to write its raw files into."""
    directory = tmp_path / "raw"
    directory.mkdir()
    return directory
