"""The raw contract as Great Expectations 1.x suites, one Checkpoint per table.

GX 1.x has no DuckDB data source. The staged tables are therefore written
to parquet in a scratch directory and registered as parquet assets of a
pandas data source (GX reads them into pandas); each table gets an
ExpectationSuite, a whole-table BatchDefinition, a ValidationDefinition
and a Checkpoint of its own. The Checkpoints run one after another under
one run id, so the site shows one validation run, and a progress display
hears of each table as it is done (a Checkpoint with every definition
runs them all without a word in between). The Data Docs site is built
once at the end and rewritten by `quality.data_docs` to need no network.

A table given as daily drops is validated file by file: each drop file is
a batch of its table with a suite, definition and Checkpoint of its own
(named `raw.<table>.ds=<day>.<file>`), its findings name the file
(`<table>/ds=<day>/<file>`), and the table's verdict sums its files'. The
progress display hears of the table once, when its last file is done.

Every expectation carries `meta.check` (what kind of rule), `meta.columns`
and `meta.reject_class` (the quarantine's `reject_reason` for a row that
fails it, see `memberkpi.contract.reject_classes`; null for file-level checks); its GX
`severity` says how bad a failure is: CRITICAL is FATAL for the build,
WARNING is a row-level break the quarantine handles.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memberkpi.contract.raw import TableSpec
from memberkpi.contract.reject_classes import reject_class
from memberkpi.quality.data_docs import TablePages, make_offline, page_of_url
from memberkpi.quality.read import UNPARSED_SUFFIX, LoadedTable
from memberkpi.quality.report import Finding, NoProgress, Progress, Severity, Stage

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.data_context.types.resource_identifiers import (
        ValidationResultIdentifier,
    )
    from great_expectations.datasource.fluent import PandasDatasource
    from great_expectations.expectations import Expectation

SITE_NAME = "memberkpi_raw"
EXAMPLES = 3


@contextmanager
def main_module_with_a_file() -> Iterator[None]:
    """While GX is imported and used, `__main__` has a `__file__`.

    GX imports pyspark when it is installed, and pyspark 4 exits the process
    with code 0 on importing its Spark Connect module when `__main__` has
    neither `__spec__` nor `__file__`, taking that for its own doctest run.
    That is the case under `python -c` and in pytest-xdist workers: a
    validation would end with exit code 0 without having run. A placeholder
    `__file__` is set for the duration and removed afterwards.
    """
    main = sys.modules.get("__main__")
    placeholder = (
        main is not None
        and getattr(main, "__spec__", None) is None
        and not hasattr(main, "__file__")
    )
    if placeholder:
        main.__file__ = "<memberkpi>"  # type: ignore[union-attr]
    try:
        yield
    finally:
        if placeholder:
            del main.__file__  # type: ignore[union-attr]


@dataclass
class ReferenceCheck:
    """How a foreign key is checked: against a value set or an orphan column."""

    column: str
    parent: str
    parent_column: str
    values: list[str] | None = None  # None: use `orphan_column`
    orphan_column: str | None = None
    parent_absent: bool = False


@dataclass
class TableOutcome:
    """GX's verdict on one table."""

    expectations: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)


def _as_of_end(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of, dt.time.max)


@dataclass(frozen=True)
class BusinessDates:
    """The business dates a raw timestamp must fall in (macro
    is_outside_business_dates): from var earliest_business_date to the
    as-of date, both inclusive."""

    earliest: dt.date
    as_of: dt.date


@main_module_with_a_file()
def build_expectations(
    table: LoadedTable, dates: BusinessDates, references: list[ReferenceCheck]
) -> list[Expectation]:
    """The contract of one table as GX expectations."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity
    from great_expectations.expectations.row_conditions import Column

    spec: TableSpec = table.spec
    rules = spec.rules
    present = set(table.present_columns)
    found: list[Expectation] = []
    warning = FailureSeverity.WARNING

    def meta(check: str, *columns: str, **extra: Any) -> dict[str, Any]:
        found = reject_class(spec, rules, check, list(columns))
        return {"check": check, "columns": list(columns), "reject_class": found, **extra}

    for name in spec.column_names:
        if rules and name in rules.optional:
            continue  # a file may lack it: it then reads as null
        found.append(
            gxe.ExpectColumnToExist(
                column=name,
                severity=FailureSeverity.CRITICAL,
                meta=meta("column_present", name),
                description=f"`{name}` is a raw contract column: dbt cannot build without it.",
            )
        )
    expected = [*table.present_columns, *table.helper_columns]
    found.append(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=expected,
            exact_match=True,
            severity=warning,
            meta=meta("known_columns"),
            description="Columns outside the raw contract are ignored by the build.",
        )
    )

    key = [name for name in spec.primary_key if name in present]
    not_null: list[str] = list(key)
    if spec.dedupe_timestamp:
        not_null.append(spec.dedupe_timestamp)
    if rules:
        not_null += [*rules.not_null, *rules.missing_key]
    for column in spec.columns:
        if column.kind == "decimal" and not (rules and column.name in rules.nullable_amounts):
            not_null.append(column.name)
        if column.accepted_values is not None and not (
            rules and column.name in rules.nullable_codes
        ):
            not_null.append(column.name)
    for name in dict.fromkeys(not_null):
        if name not in present:
            continue
        # a value that is present but does not cast is reported once, as such
        unparsed = (
            {}
            if spec.column(name).kind == "text"
            else {"row_condition": Column(name + UNPARSED_SUFFIX).is_null()}
        )
        found.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=name,
                severity=warning,
                meta=meta("not_null", name, key=name in key),
                **unparsed,
            )
        )
    if key and len(key) == len(spec.primary_key):
        if len(key) == 1:
            found.append(
                gxe.ExpectColumnValuesToBeUnique(
                    column=key[0],
                    severity=warning,
                    meta=meta("unique_key", *key),
                    description="Exact duplicate rows are collapsed first, as staging does.",
                )
            )
        else:
            found.append(
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=key,
                    severity=warning,
                    meta=meta("unique_key", *key),
                    description="Exact duplicate rows are collapsed first, as staging does.",
                )
            )

    for column in spec.columns:
        if column.name not in present:
            continue
        if column.kind != "text":
            found.append(
                gxe.ExpectColumnValuesToBeNull(
                    column=column.name + UNPARSED_SUFFIX,
                    severity=warning,
                    meta=meta("castable", column.name, data_type=column.data_type),
                    description=f"Raw `{column.name}` values cast to {column.data_type}.",
                )
            )
        if column.accepted_values is not None:
            found.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=column.name,
                    value_set=list(column.accepted_values),
                    severity=warning,
                    meta=meta("code", column.name),
                )
            )
        non_negative = column.kind == "decimal" or bool(rules and column.name in rules.non_negative)
        if non_negative:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    min_value=0,
                    severity=warning,
                    meta=meta("non_negative", column.name),
                )
            )
        if column.kind in {"timestamp", "date"}:
            # a campaign may end after the as-of date, never before the earliest date
            future = bool(rules and column.name in rules.may_be_future)
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    min_value=dt.datetime.combine(dates.earliest, dt.time.min),
                    max_value=None if future else _as_of_end(dates.as_of),
                    severity=warning,
                    meta=meta(
                        "business_dates",
                        column.name,
                        earliest=dates.earliest.isoformat(),
                        as_of=None if future else dates.as_of.isoformat(),
                    ),
                )
            )
    if rules:
        for column_a, column_b in rules.at_least:
            if column_a in present and column_b in present:
                found.append(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A=column_a,
                        column_B=column_b,
                        or_equal=True,
                        ignore_row_if="either_value_is_missing",
                        severity=warning,
                        meta=meta("at_least", column_a, column_b),
                    )
                )
        for name, (low, high) in rules.ranges.items():
            if name in present:
                top = dates.as_of.year if high == "as_of_year" else int(high)
                found.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=name,
                        min_value=low,
                        max_value=top,
                        severity=warning,
                        meta=meta("range", name, low=low, high=top),
                    )
                )
    for reference in references:
        reference_meta = meta(
            "reference",
            reference.column,
            parent=reference.parent,
            parent_column=reference.parent_column,
            parent_absent=reference.parent_absent,
        )
        if reference.values is not None:
            found.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=reference.column,
                    value_set=reference.values,
                    severity=warning,
                    meta=reference_meta,
                )
            )
        elif reference.orphan_column:
            found.append(
                gxe.ExpectColumnValuesToBeNull(
                    column=reference.orphan_column,
                    severity=warning,
                    meta=reference_meta,
                    description=f"`{reference.column}` is a key of `{reference.parent}`.",
                )
            )
    for expectation in found:
        _note_reject_class(expectation)
    return found


def _note_reject_class(expectation: Expectation) -> None:
    """Show the reject class in the Data Docs (they render notes, not meta)."""
    found = (expectation.meta or {}).get("reject_class")
    if found:
        expectation.notes = f"Reject class: {found} (quarantine reject_reason)"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(_show(v) for v in value.values()) + ")"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _examples(result: dict[str, Any]) -> str:
    shown: list[str] = []
    for value in result.get("partial_unexpected_list") or []:
        text = _show(value)
        if text not in shown:
            shown.append(text)
        if len(shown) == EXAMPLES:
            break
    return ", e.g. " + ", ".join(shown) if shown else ""


def describe_failure(
    table: LoadedTable,
    check: str,
    columns: list[str],
    meta: dict[str, Any],
    result: dict[str, Any],
    kwargs: dict[str, Any],
) -> list[tuple[str | None, str, int | None]]:
    """(column, message, count) lines for one failed expectation."""
    count = result.get("unexpected_count")
    total = result.get("element_count")
    # GX counts rows after exact duplicates are collapsed, as staging does
    distinct = "distinct " if total is not None and total != table.rows else ""
    n = f"{count} of {total} {distinct}row(s)" if count is not None else "some rows"
    column = columns[0] if columns else None
    examples = _examples(result)
    match check:
        case "column_present":
            return [(column, "missing (the raw contract requires it; dbt cannot build)", None)]
        case "known_columns":
            return [
                (name, "not in the raw contract: ignored by the build", None)
                for name in table.extra_columns
            ]
        case "not_null":
            what = "key " if meta.get("key") else ""
            return [(column, f"{n} with no {what}value (null or blank)", count)]
        case "unique_key":
            label = columns[0] if len(columns) == 1 else "(" + ", ".join(columns) + ")"
            return [(label, f"{n} share a key with a different row{examples}", count)]
        case "castable":
            return [
                (
                    column,
                    f"{n} with a value that does not cast to {meta.get('data_type')}{examples}",
                    count,
                )
            ]
        case "code":
            allowed = list(kwargs.get("value_set") or [])
            listed = ", ".join(allowed) if len(allowed) <= 8 else f"{len(allowed)} codes"
            return [(column, f"{n} with an unknown code{examples} (accepted: {listed})", count)]
        case "non_negative":
            return [(column, f"{n} negative{examples}", count)]
        case "business_dates":
            if meta.get("as_of") is None:
                where = f"before the earliest business date {meta.get('earliest')}"
            else:
                where = f"outside the business dates {meta.get('earliest')}..{meta.get('as_of')}"
            return [(column, f"{n} {where}{examples}", count)]
        case "at_least":
            a, b = columns
            shown = examples.replace("e.g. ", f"e.g. ({a}, {b}) = ", 1)
            return [(b, f"{n} where {b} is above {a}{shown}", count)]
        case "range":
            return [(column, f"{n} outside {meta.get('low')}..{meta.get('high')}{examples}", count)]
        case "reference":
            target = f"{meta.get('parent')}.{meta.get('parent_column')}"
            why = f" (no {meta.get('parent')} file)" if meta.get("parent_absent") else ""
            return [(column, f"{n} not found in {target}{why}{examples}", count)]
    return [(column, f"{check} failed for {n}{examples}", count)]


RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}


def _ephemeral_context(docs_dir: Path) -> AbstractDataContext:
    """A GX context in memory whose one Data Docs site is `docs_dir`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    docs_dir.mkdir(parents=True, exist_ok=True)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir.resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={SITE_NAME: site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _findings(table: LoadedTable, item: ExpectationValidationResult) -> list[Finding]:
    """The findings of one failed expectation."""
    from great_expectations.expectations.metadata_types import FailureSeverity

    config = item.expectation_config
    meta = dict(config.meta or {})
    severity = Severity.FATAL if config.severity == FailureSeverity.CRITICAL else Severity.WARNING
    check = str(meta.get("check", config.type))
    columns = list(meta.get("columns") or [])
    exception = item.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message")).splitlines()[0]
        return [
            Finding(
                Severity.WARNING,
                table.spec.name,
                table.file_label,
                (columns or [None])[0],
                check,
                f"check {config.type} could not run: {message}",
            )
        ]
    return [
        Finding(
            severity,
            table.spec.name,
            table.file_label,
            column,
            check,
            message,
            count,
            meta.get("reject_class"),
            config.type,
        )
        for column, message, count in describe_failure(
            table, check, columns, meta, dict(item.result or {}), dict(config.kwargs)
        )
    ]


def table_outcome(table: LoadedTable, run: ExpectationSuiteValidationResult) -> TableOutcome:
    """GX's verdict on one table, findings in the contract's column order."""
    outcome = TableOutcome()
    for item in run.results:
        outcome.expectations += 1
        if not item.success:
            outcome.failed += 1
            outcome.findings.extend(_findings(table, item))
    order = {column: i for i, column in enumerate(table.spec.column_names)}
    outcome.findings.sort(key=lambda f: order.get((f.column or "").strip("("), -1))
    return outcome


@dataclass
class CheckedTable:
    """A table GX validated: its verdict and its validation result's key."""

    table: LoadedTable
    outcome: TableOutcome
    result_key: ValidationResultIdentifier


def check_table(
    context: AbstractDataContext,
    source: PandasDatasource,
    checked: tuple[LoadedTable, Path, list[ReferenceCheck]],
    dates: BusinessDates,
    run_id: RunIdentifier,
) -> CheckedTable:
    """Validate one exported table through a Checkpoint of its own."""
    import great_expectations as gx

    table, parquet, references = checked
    name = table.batch  # the table's name; for a drop file, the table, day and file
    asset = source.add_parquet_asset(name=name, path=parquet)
    batch = asset.add_batch_definition_whole_dataframe(f"{name} file")
    # all expectations at once: add_expectation re-serializes the suite each time
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=f"raw.{name}", expectations=build_expectations(table, dates, references)
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"raw.{name}", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"raw_contract.{name}",
            validation_definitions=[definition],
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(run_id=run_id)
    [(key, run)] = result.run_results.items()
    return CheckedTable(table, table_outcome(table, run), key)


def site_pages(context: AbstractDataContext, checked: list[CheckedTable]) -> list[TablePages]:
    """Where each checked table's validation result and suite are in the site."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    def page(identifier: Any) -> Path:
        [site] = context.get_docs_sites_urls(
            resource_identifier=identifier, site_name=SITE_NAME, only_if_exists=False
        )
        return page_of_url(str(site["site_url"]))

    return [
        TablePages(
            table=item.table.spec.name,
            file=item.table.file_label,
            rows=item.table.rows,
            evaluated=item.outcome.expectations,
            failed=item.outcome.failed,
            suite=item.result_key.expectation_suite_identifier.name,
            validation_page=page(item.result_key),
            suite_page=page(
                ExpectationSuiteIdentifier(item.result_key.expectation_suite_identifier.name)
            ),
        )
        for item in checked
    ]


@main_module_with_a_file()
def run_checkpoint(
    tables: list[tuple[LoadedTable, Path, list[ReferenceCheck]]],
    dates: BusinessDates,
    docs_dir: Path,
    progress: Progress | None = None,
) -> tuple[dict[str, TableOutcome], Path]:
    """Validate the exported tables, one Checkpoint each; build Data Docs readable offline."""
    from great_expectations.core.run_identifier import RunIdentifier

    progress = progress or NoProgress()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = _ephemeral_context(docs_dir)
    source = context.data_sources.add_pandas("raw")
    # one run id: the site shows one validation run of every table
    run_id = RunIdentifier(run_time=dt.datetime.now(dt.UTC))
    checked: list[CheckedTable] = []
    outcomes: dict[str, TableOutcome] = {}
    # the files of a table come one after another: one progress line per table
    files_left = Counter(table.spec.name for table, _, _ in tables)
    seconds: dict[str, float] = {}
    rows: dict[str, int | None] = {}
    for item in tables:
        started = time.perf_counter()
        done = check_table(context, source, item, dates, run_id)
        checked.append(done)
        name = done.table.spec.name
        outcomes[name] = merged(outcomes.get(name), done.outcome)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        rows[name] = (
            None
            if done.table.rows is None or rows.get(name, 0) is None
            else (rows.get(name) or 0) + done.table.rows
        )
        files_left[name] -= 1
        if files_left[name] == 0:
            progress.step(Stage.CHECK, name, rows[name], seconds[name])

    progress.stage(Stage.DOCS, 0)
    started = time.perf_counter()
    # once, here: an UpdateDataDocsAction would rebuild the whole site after
    # every Checkpoint
    context.build_data_docs(site_names=[SITE_NAME])
    run_time = f"{run_id.run_time:%Y-%m-%d %H:%M:%S} UTC"
    make_offline(docs_dir, site_pages(context, checked), run_time)
    progress.step(Stage.DOCS, None, None, time.perf_counter() - started)
    return outcomes, docs_dir / "index.html"


def merged(first: TableOutcome | None, second: TableOutcome) -> TableOutcome:
    """One table's verdict from two of its files' (drops): counts summed, findings in turn."""
    if first is None:
        return second
    return TableOutcome(
        expectations=first.expectations + second.expectations,
        failed=first.failed + second.failed,
        findings=[*first.findings, *second.findings],
    )
