"""The demo brand leads to decisions (issue 21, acceptance 1).

On the data `make demo` builds (the generator's defaults: 20,000 members,
two years, seed 42), in the latest complete month: the four 4C radar scores
lie between 10 and 90 and differ pairwise by at least 5; at least 60% of the
KPIs with a benchmark lie inside its P25-P75 band (the seed, compared here
in Python); and each scorecard status (good, watch, bad) occurs at least
twice. A demo where everything scores 100 shows nothing to diagnose.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from helpers import NO_TESTS, Build, generate_raw, query, run_dbt
from memberkpi.core.project import project_vars
from memberkpi.demo.generate import GenerateOptions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("demo_brand")
    raw_dir = root / "raw"
    generate_raw(raw_dir)  # the generator's defaults, as make demo
    result = run_dbt(
        ["build", *NO_TESTS],
        work_dir=root,
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": GenerateOptions().end_date.isoformat()},
    )
    assert result.success, result.output[-4000:]
    return Build(raw_dir=raw_dir, work_dir=root)


def latest_complete_month(db_path: Path) -> str:
    ((month,),) = query(
        db_path,
        "select cast(max(month) as varchar) from metrics.kpi_monthly where is_complete_month",
    )
    return month


def test_radar_scores_discriminate(demo_build: Build) -> None:
    month = latest_complete_month(demo_build.db_path)
    scores = dict(
        query(
            demo_build.db_path,
            f"select kpi, score from metrics.four_c_radar where month = date '{month}'",
        )
    )
    assert len(scores) == 4 and all(score is not None for score in scores.values()), scores
    assert all(10 <= score <= 90 for score in scores.values()), scores
    for (kpi_a, a), (kpi_b, b) in itertools.combinations(scores.items(), 2):
        assert abs(a - b) >= 5, (kpi_a, kpi_b, scores)


def test_most_benchmarked_kpis_lie_in_the_band(demo_build: Build) -> None:
    month = latest_complete_month(demo_build.db_path)
    values = dict(
        query(
            demo_build.db_path,
            f"select kpi, value from metrics.kpi_monthly where month = date '{month}'",
        )
    )
    bands = query(
        demo_build.db_path,
        "select kpi, benchmark_p25, benchmark_p75 from seeds.kpi_benchmarks"
        f" where industry = '{project_vars()['benchmark_industry']}'",
    )
    inside = [
        kpi
        for kpi, low, high in bands
        if values.get(kpi) is not None and low <= values[kpi] <= high
    ]
    assert len(bands) >= 10
    assert len(inside) >= 0.6 * len(bands), (len(inside), len(bands))


def test_every_status_occurs_at_least_twice(demo_build: Build) -> None:
    month = latest_complete_month(demo_build.db_path)
    counts = dict(
        query(
            demo_build.db_path,
            "select status, count(*) from metrics.mbsc_scorecard"
            f" where month = date '{month}' group by status",
        )
    )
    for status in ("good", "watch", "bad"):
        assert counts.get(status, 0) >= 2, counts
