"""The raw contract is one statement: models/staging/raw/_raw__sources.yml.

`load_contract` reads every column rule from the columns' meta; the
generator's schema, the demo's dirty mode and the quarantine doc follow it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import PROJECT_DIR
from memberkpi.contract.raw import (
    COLUMN_META_KEYS,
    SOURCES_YML,
    ContractError,
    load_contract,
    load_rules,
)


def contract_copy(tmp_path: Path) -> Path:
    """A folder holding the sources YAML and the seeds, as load_contract reads them."""
    (tmp_path / SOURCES_YML).parent.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / SOURCES_YML, tmp_path / SOURCES_YML)
    shutil.copytree(PROJECT_DIR / "seeds", tmp_path / "seeds")
    return tmp_path


def set_column_meta(project: Path, table: str, column: str, **meta: object) -> None:
    path = project / SOURCES_YML
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (source,) = [s for s in document["sources"] if s["name"] == "raw"]
    (spec,) = [t for t in source["tables"] if t["name"] == table]
    (found,) = [c for c in spec["columns"] if c["name"] == column]
    found.setdefault("config", {}).setdefault("meta", {}).update(meta)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_every_rule_names_a_contract_column() -> None:
    contract = load_contract(PROJECT_DIR)
    assert len(contract) == 14
    for name, spec in contract.items():
        rules = spec.rules
        named = {
            *rules.not_null,
            *rules.missing_key,
            *rules.nullable_codes,
            *rules.non_negative,
            *(column for pair in rules.at_least for column in pair),
            *rules.ranges,
            *(reference.column for reference in rules.references),
            *rules.may_be_future,
        }
        assert named <= set(spec.column_names), name
        for reference in rules.references:
            assert reference.parent_column in contract[reference.parent_table].primary_key
        for column in rules.nullable_codes:
            assert spec.column(column).accepted_values is not None, (name, column)


def test_every_code_set_is_stated() -> None:
    """Each varchar column that the quarantine checks for codes has its set in
    the YAML (a list or a seed), and the sets are not empty."""
    contract = load_contract(PROJECT_DIR)
    assert contract["orders"].column("status").accepted_values == (
        "paid",
        "cancelled",
        "refunded",
        "partially_refunded",
    )
    assert contract["orders"].column("status").staged_name == "order_status"
    for spec in contract.values():
        for column in spec.columns:
            if column.accepted_values is not None:
                assert column.accepted_values, (spec.name, column.name)


def test_load_rules_gives_the_rules_by_table() -> None:
    rules = load_rules(PROJECT_DIR)
    assert rules["orders"].missing_key == ("customer_id",)
    assert rules["members"].ranges["birth_year"] == (1900, "as_of_year")
    assert rules["campaigns"].may_be_future == ("ends_at",)
    assert [r.parent_table for r in rules["campaign_touches"].references] == [
        "campaigns",
        "members",
    ]


def test_a_new_rule_is_one_column_meta_key(tmp_path: Path) -> None:
    project = contract_copy(tmp_path)
    set_column_meta(project, "orders", "store_id", not_null=True)
    set_column_meta(project, "surveys", "nps_score", range=[1, 10])
    contract = load_contract(project)
    assert contract["orders"].rules.not_null == ("store_id",)
    assert contract["surveys"].rules.ranges == {"nps_score": (1, 10)}


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"not_nul": True}, "unknown meta key"),
        ({"references": "members"}, "references must be <table>.<column>"),
        ({"references": "shops.shop_id"}, "references no contract column"),
        ({"at_least": "shipped_at"}, "at_least names no column"),
        ({"range": [1]}, "range must be [min, max]"),
        ({"nullable": True}, "nullable is for code columns"),
    ],
)
def test_an_impossible_rule_is_refused(tmp_path: Path, meta: dict, message: str) -> None:
    project = contract_copy(tmp_path)
    set_column_meta(project, "orders", "store_id", **meta)
    with pytest.raises(ContractError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_contract(project)


def test_the_yaml_documents_every_meta_key() -> None:
    """The comment at the top of the sources YAML names each column meta key."""
    text = (PROJECT_DIR / SOURCES_YML).read_text(encoding="utf-8")
    header = text[: text.index("tables:")]
    for key in COLUMN_META_KEYS:
        assert f"#   {key}:" in header, key


def test_the_generator_schema_is_the_contract() -> None:
    from memberkpi.contract.generator_schema import RAW_TABLES

    contract = load_contract(PROJECT_DIR)
    assert list(RAW_TABLES) == list(contract)
    for name, spec in contract.items():
        assert RAW_TABLES[name] == tuple((c.name, c.data_type) for c in spec.columns)


def test_the_dirty_modes_unknown_codes_lie_outside_the_contract() -> None:
    """`generate --dirty` writes unknown codes of its own (memberkpi.demo.dirty):
    each must be outside the column's code set, or its row would be clean."""
    from memberkpi.demo import dirty

    contract = load_contract(PROJECT_DIR)
    checked = 0
    for table, rules in dirty.RULES.items():
        for variant in rules.classes.get("unknown_code", []):
            for column, expression in variant.items():
                codes = contract[table].column(column).accepted_values
                if codes is None or not expression.startswith("'"):
                    continue
                assert expression.strip("'") not in codes, (table, column, expression)
                checked += 1
    assert checked >= 10


def quarantine_doc_renderer():  # noqa: ANN201
    """scripts/render_quarantine_rules.py as a module."""
    import importlib.util

    path = PROJECT_DIR / "scripts" / "render_quarantine_rules.py"
    spec = importlib.util.spec_from_file_location("render_quarantine_rules", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quarantine_doc_is_rendered_from_the_contract() -> None:
    renderer = quarantine_doc_renderer()
    doc = PROJECT_DIR / renderer.DOC
    text = doc.read_text(encoding="utf-8")
    assert text.count(renderer.BEGIN) == 1 and text.count(renderer.END) == 1
    assert renderer.render_doc(text, load_contract(PROJECT_DIR)) == text, (
        f"{renderer.DOC} is stale: run {renderer.COMMAND}"
    )


def test_the_rendered_doc_follows_a_contract_edit(tmp_path: Path) -> None:
    renderer = quarantine_doc_renderer()
    project = contract_copy(tmp_path)
    set_column_meta(project, "surveys", "member_id", references=None)
    set_column_meta(project, "surveys", "nps_score", range=[1, 10])
    text = (PROJECT_DIR / renderer.DOC).read_text(encoding="utf-8")
    rendered = renderer.render_doc(text, load_contract(project))
    (row,) = [line for line in rendered.splitlines() if line.startswith("| surveys |")]
    assert row.split(" | ")[6] == "-"  # no orphan rule left
    assert "nps_score null, unparsed, not whole or not 1-10" in row
    # the prose outside the markers is kept
    assert rendered.split(renderer.BEGIN)[0] == text.split(renderer.BEGIN)[0]
    assert rendered.split(renderer.END)[1] == text.split(renderer.END)[1]


def test_each_base_model_names_the_lookups_its_contract_needs() -> None:
    """A base_raw__ model is `{{ stage_raw_table('<table>') }}` after a
    `-- depends_on:` line naming exactly the seeds of its code columns and the
    stg_raw__ models of its references (dbt learns refs while parsing, before
    the macro can read the contract)."""
    import re

    contract = load_contract(PROJECT_DIR)
    models = {path.stem: path for path in (PROJECT_DIR / "models").rglob("base_raw__*.sql")}
    assert set(models) == {f"base_raw__{name}" for name in contract}
    for name, spec in contract.items():
        text = models[f"base_raw__{name}"].read_text(encoding="utf-8")
        assert text.rstrip().endswith(f"{{{{ stage_raw_table('{name}') }}}}"), name
        needed = [
            column.accepted_values_seed.partition(".")[0]
            for column in spec.columns
            if column.accepted_values_seed
        ] + [f"stg_raw__{reference.parent_table}" for reference in spec.rules.references]
        named = re.findall(r"ref\('([^']+)'\)", text)
        assert sorted(set(named)) == sorted(set(needed)), name
        assert len(text.splitlines()) <= 2, name


def test_an_optional_column_is_one_meta_key() -> None:
    """campaigns.budget_amount (RAW_CONTRACT "Optional columns"): a file may lack
    it (`optional`), and a present value may be null (`nullable`, a decimal)."""
    rules = load_contract(PROJECT_DIR)["campaigns"].rules
    assert rules.optional == ("budget_amount",)
    assert rules.nullable_amounts == ("budget_amount",)
    assert rules.nullable_codes == ()
    optional = {
        (name, column) for name, spec in load_contract(PROJECT_DIR).items()
        for column in spec.rules.optional
    }  # fmt: skip
    assert optional == {("campaigns", "budget_amount")}


@pytest.mark.parametrize(
    ("table", "column", "meta"),
    [
        ("orders", "order_id", {"optional": True}),  # the primary key
        ("orders", "ordered_at", {"optional": True}),  # the dedupe timestamp
        ("orders", "store_id", {"optional": True, "not_null": True}),
        ("orders", "customer_id", {"optional": True}),  # meta missing_key
        ("orders", "paid_amount", {"optional": True}),  # a decimal, not nullable
        ("orders", "status", {"optional": True}),  # a code, not nullable
        ("surveys", "member_id", {"optional": True}),  # a reference
    ],
)
def test_a_column_every_row_needs_cannot_be_optional(
    tmp_path: Path, table: str, column: str, meta: dict
) -> None:
    project = contract_copy(tmp_path)
    set_column_meta(project, table, column, **meta)
    with pytest.raises(ContractError, match="optional is for columns that may be null"):
        load_contract(project)


def test_an_optional_column_follows_its_meta(tmp_path: Path) -> None:
    """Marking another column optional is the one edit: the rules and the
    quarantine doc's sentence follow."""
    project = contract_copy(tmp_path)
    set_column_meta(project, "orders", "store_id", optional=True)
    contract = load_contract(project)
    assert contract["orders"].rules.optional == ("store_id",)
    renderer = quarantine_doc_renderer()
    sentence = renderer.optional_columns(contract)
    # in contract order: orders comes before campaigns
    assert "): orders.store_id and campaigns.budget_amount." in sentence
