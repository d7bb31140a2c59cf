"""Staging and quarantine of the 14 raw tables (docs/quarantine_rules.md).

A hand-made raw directory holds, for every table, clean rows, one exact
duplicate and at least one row of every reject class that applies to the
table. The expected counts below are counted by hand from those rows (each
row's comment says where it should land); they are not copied from a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml

from helpers import PROJECT_DIR, REQUIRED_RAW_TABLES, query, run_dbt, write_csv

AS_OF_DATE = "2025-06-30"
# Seeds and staging; only tests whose parents are all built.
STAGING = ["build", "--select", "+staging", "--indirect-selection", "cautious"]

# fmt: off
COLUMNS = {
    "members": [
        "member_id", "joined_at", "join_channel", "exited_at", "tier",
        "gender", "birth_year", "city", "city_tier", "sms_opt_in",
        "wechat_bound", "app_push_opt_in", "mobile_hash",
    ],
    "member_bindings": ["member_id", "channel", "customer_id", "bound_at"],
    "orders": [
        "order_id", "channel", "customer_id", "store_id", "ordered_at",
        "paid_at", "status", "gross_amount", "discount_amount", "paid_amount",
        "refunded_amount", "mobile_hash",
    ],
    "order_items": [
        "order_id", "line_number", "sku_id", "category", "quantity",
        "unit_price", "line_amount",
    ],
    "points_ledger": [
        "entry_id", "member_id", "occurred_at", "points", "entry_type",
        "order_id",
    ],
    "tier_changes": ["member_id", "changed_at", "from_tier", "to_tier"],
    "channel_traffic": ["traffic_date", "channel", "visitors"],
    "interactions": [
        "interaction_id", "member_id", "channel", "occurred_at",
        "interaction_type",
    ],
    "campaigns": [
        "campaign_id", "campaign_name", "channel", "objective", "starts_at",
        "ends_at",
    ],
    "campaign_touches": [
        "touch_id", "campaign_id", "member_id", "touch_channel", "test_group",
        "touched_at", "delivered", "opened_at", "clicked_at",
    ],
    "service_tickets": [
        "ticket_id", "member_id", "channel", "order_id", "ticket_type",
        "created_at", "first_response_at", "resolved_at",
        "satisfaction_score",
    ],
    "reviews": ["review_id", "order_id", "channel", "created_at", "rating"],
    "surveys": ["response_id", "member_id", "responded_at", "nps_score"],
    "exposure_resources": [
        "snapshot_date", "channel", "resource_id", "resource_type",
        "shows_member_entry",
    ],
}

# Rows per table, in contract column order; None is an empty CSV cell.
# Clean parents: members M1-M4, orders O1-O3, campaigns K1-K2.
ROWS = {
    "members": [
        # clean
        ("M1", "2024-01-10 10:00:00", "tmall", None, "gold", "F", "1990",
         "Shanghai", "1", "true", "false", "true", "h1"),
        ("M1", "2024-01-10 10:00:00", "tmall", None, "gold", "F", "1990",
         "Shanghai", "1", "true", "false", "true", "h1"),  # exact duplicate
        ("M2", "2024-02-01 09:00:00", "jd", None, "normal", "M", "1985",
         "Beijing", "1", "false", None, None, "h2"),
        ("M3", "2024-03-05 12:00:00+00:00", "wechat_mall", None, "silver",
         None, None, None, None, None, None, None, None),
        ("M4", "2024-05-01 10:00:00", "app", None, "normal", "F", "2000",
         None, "3", "true", "true", "true", None),
        # missing_key: blank member_id
        ("  ", "2024-01-01 10:00:00", "tmall", None, "gold", "F", "1990",
         None, None, None, None, None, None),
        # duplicate_key: M4 with an earlier joined_at loses
        ("M4", "2024-04-01 10:00:00", "app", None, "normal", "F", "2000",
         None, "3", "true", "true", "true", None),
        # unknown_code: join_channel (also city_tier 9: counted once)
        ("M5", "2024-01-01 10:00:00", "weibo", None, "gold", "F", "1990",
         None, "9", None, None, None, None),
        # bad_timestamp: joined_at does not parse
        ("M6", "not-a-date", "jd", None, "gold", "M", "1990",
         None, None, None, None, None, None),
        # out_of_range: city_tier
        ("M7", "2024-01-01 10:00:00", "jd", None, "gold", "M", "1990",
         None, "9", None, None, None, None),
    ],
    "member_bindings": [
        ("M1", "tmall", "C1", "2024-01-11 10:00:00"),  # clean
        ("M1", "tmall", "C1", "2024-01-11 10:00:00"),  # exact duplicate
        ("M2", "jd", "C2", "2024-02-02 10:00:00"),  # clean
        ("M4", "tmall", "C4", "2024-05-02 10:00:00"),  # clean
        ("M3", "douyin", None, "2024-03-06 10:00:00"),  # missing_key
        ("M2", "jd", "C2", "2024-01-01 10:00:00"),  # duplicate_key (older)
        ("M3", "weibo", "C3", "2024-03-06 10:00:00"),  # unknown_code
        ("M3", "app", "C5", "2025-07-15 10:00:00"),  # bad_timestamp: after
        ("M5", "jd", "C6", "2024-03-06 10:00:00"),  # orphan: M5 quarantined
        (None, "app", "C7", "2024-03-06 10:00:00"),  # orphan: no member
    ],
    "orders": [
        # clean
        ("O1", "tmall", "C1", None, "2024-02-01 10:00:00",
         "2024-02-01 10:05:00", "paid", "100.00", "10.00", "90.00", "0.00",
         None),
        ("O1", "tmall", "C1", None, "2024-02-01 10:00:00",
         "2024-02-01 10:05:00", "paid", "100.00", "10.00", "90.00", "0.00",
         None),  # exact duplicate
        ("O2", "jd", "C2", None, "2024-03-01 10:00:00",
         "2024-03-01 10:01:00", "partially_refunded", "200", "0", "200", "50",
         None),
        ("O3", "offline_pos", "X9", "S1", "2024-04-01 10:00:00", None,
         "cancelled", "50", "0", "0", "0", "h9"),
        # missing_key: customer_id
        ("O4", "tmall", None, None, "2024-04-01 10:00:00", None, "paid",
         "10", "0", "10", "0", None),
        # duplicate_key: O2 with an earlier ordered_at loses
        ("O2", "jd", "C2", None, "2024-02-28 10:00:00", None, "paid",
         "200", "0", "200", "0", None),
        # unknown_code: status (also paid above gross: counted once)
        ("O5", "tmall", "C1", None, "2024-04-01 10:00:00", None, "shipped",
         "10", "0", "20", "0", None),
        # bad_amount: paid above gross
        ("O6", "tmall", "C1", None, "2024-04-01 10:00:00", None, "paid",
         "100", "0", "120", "0", None),
        # bad_amount: gross does not parse
        ("O7", "jd", "C2", None, "2024-04-01 10:00:00", None, "paid",
         "abc", "0", "10", "0", None),
        # bad_timestamp: paid_at does not parse
        ("O8", "jd", "C2", None, "2024-04-01 10:00:00", "yesterday", "paid",
         "10", "0", "10", "0", None),
        # clean: keys and timestamp end in a tab, CR or U+3000 (trimmed)
        ("O9\t", "tmall", "C1\r", None, "2024-04-02 10:00:00\t",
         "2024-04-02 10:01:00\r", "paid\u3000", "30", "0", "30", "0", None),
        # bad_timestamp: an epoch-zero placeholder, before 1990-01-01
        ("O10", "jd", "C2", None, "1970-01-01 00:00:00", None, "paid",
         "10", "0", "10", "0", None),
    ],
    "order_items": [
        ("O1", "1", "SKU1", "toys", "2", "45.00", "90.00"),  # clean
        ("O1", "1", "SKU1", "toys", "2", "45.00", "90.00"),  # exact dup
        ("O2", "1", "SKU2", "diapers", "1", "200.00", "200.00"),  # clean
        ("O3", "1", "SKU3", "milk", "1", "50", "50"),  # clean
        ("O9", "1", "SKU9", "toys", "1", "10", "10"),  # clean: O9 is O9\t
        ("O9\r", "2", "SKU9", "toys", "2", "10", "20"),  # clean: O9\r too
        ("O2", "2", "SKU5", "toys", "1", "10", "10"),  # clean: wins tie
        (None, "1", "SKU1", "toys", "1", "10", "10"),  # missing_key
        ("O2", "x", "SKU1", "toys", "1", "10", "10"),  # missing_key: line
        ("O2", "2", "SKU4", "toys", "1", "10", "10"),  # duplicate_key: tie
        ("O3", "2", "SKU6", "milk", "1.5", "10", "15"),  # bad_amount: whole
        ("O3", "3", "SKU7", "milk", "1", "-5", "-5"),  # bad_amount: negative
        ("O5", "1", "SKU8", "toys", "1", "10", "10"),  # orphan: O5 rejected
        ("O99", "1", "SKU8", "toys", "1", "10", "10"),  # orphan: no order
    ],
    "points_ledger": [
        ("P1", "M1", "2024-02-01 10:10:00", "90", "earn", "O1"),  # clean
        ("P1", "M1", "2024-02-01 10:10:00", "90", "earn", "O1"),  # exact dup
        ("P2", "M1", "2024-03-01 10:00:00", "-50", "redeem", None),  # clean
        ("P3", "M2", "2024-03-02 10:00:00", "200", "earn", "O2"),  # clean
        (None, "M1", "2024-03-01 10:00:00", "5", "earn", None),  # missing_key
        ("P3", "M2", "2024-03-01 10:00:00", "100", "earn", "O2"),  # dup key
        ("P4", "M1", "2024-03-01 10:00:00", "5", "bonus", None),  # unknown
        ("P5", "M1", "2024-03-01 10:00:00", "12.5", "earn", None),  # amount
        ("P6", "M1", "2024-03-01 10:00:00", None, "adjust", None),  # amount
        ("P7", "M1", None, "5", "earn", None),  # bad_timestamp: null
        ("P8", "M6", "2024-03-01 10:00:00", "5", "earn", None),  # orphan
    ],
    "tier_changes": [
        ("M1", "2024-06-01 00:00:00", "normal", "gold"),  # clean
        ("M1", "2024-06-01 00:00:00", "normal", "gold"),  # exact duplicate
        ("M2", "2024-06-01 00:00:00", None, "normal"),  # clean: from null
        ("M4", "2024-07-01 00:00:00", "normal", "silver"),  # clean: wins tie
        ("M1", None, "normal", "gold"),  # missing_key: changed_at
        ("M4", "2024-07-01 00:00:00", "normal", "gold"),  # duplicate_key
        ("M1", "2024-08-01 00:00:00", "normal", "diamond"),  # unknown_code
        ("M1", "garbage", "normal", "gold"),  # bad_timestamp: unparsed
        ("M2", "2025-08-01 00:00:00", "normal", "silver"),  # bad_ts: after
        ("M7", "2024-06-01 00:00:00", "normal", "gold"),  # orphan
    ],
    "channel_traffic": [
        ("2024-06-01", "tmall", "1000"),  # clean
        ("2024-06-01", "tmall", "1000"),  # exact duplicate
        ("2024-06-01", "jd", "500"),  # clean: wins tie against 400
        ("2024-06-02", "tmall", None),  # clean: visitors may be null
        (None, "tmall", "10"),  # missing_key
        ("2024-06-01", "jd", "400"),  # duplicate_key: tie
        ("2024-06-01", "weibo", "10"),  # unknown_code
        ("2024-06-03", "tmall", "-5"),  # bad_amount: negative
        ("2024-06-04", "tmall", "many"),  # bad_amount: unparsed
        ("2024-06-05", "tmall", "2.5"),  # bad_amount: not whole
        ("2025-07-01", "tmall", "10"),  # bad_timestamp: after as-of
        ("2024-13-45", "jd", "10"),  # bad_timestamp: unparsed
    ],
    "interactions": [
        ("I1", "M1", "tmall", "2024-06-01 10:00:00", "sign_in"),  # clean
        ("I1", "M1", "tmall", "2024-06-01 10:00:00", "sign_in"),  # exact dup
        ("I2", "M99", "app", "2024-06-02 10:00:00", "game"),  # clean: kept
        ("I3", None, "douyin", "2024-06-03T10:00:00+08:00", "live_view"),
        (None, "M1", "tmall", "2024-06-01 10:00:00", "share"),  # missing_key
        ("I2", "M99", "app", "2024-06-01 10:00:00", "game"),  # duplicate_key
        ("I4", "M1", "tmall", "2024-06-01 10:00:00", "like"),  # unknown_code
        ("I5", "M1", "weibo", "2024-06-01 10:00:00", "share"),  # unknown_code
        ("I6", "M1", "tmall", None, "share"),  # bad_timestamp: null
        ("I7", "M1", "tmall", "2025-07-01 10:00:00", "share"),  # bad_ts: after
    ],
    "campaigns": [
        # clean
        ("K1", "Spring sale", "tmall", "retention", "2024-03-01 00:00:00",
         "2024-03-31 23:59:59"),
        ("K1", "Spring sale", "tmall", "retention", "2024-03-01 00:00:00",
         "2024-03-31 23:59:59"),  # exact duplicate
        # clean: may end after the as-of date; a comma in a quoted name
        ("K2", "Summer, big", "wechat_mall", "acquisition",
         "2025-06-01 00:00:00", "2025-08-31 00:00:00"),
        # missing_key
        (None, "No id", "tmall", None, "2024-03-01 00:00:00", None),
        # duplicate_key: K2 with an earlier starts_at loses
        ("K2", "Summer, big", "wechat_mall", "acquisition",
         "2025-05-01 00:00:00", "2025-08-31 00:00:00"),
        # unknown_code
        ("K3", "Weibo", "weibo", None, "2024-03-01 00:00:00", None),
        # bad_timestamp: ends before it starts
        ("K4", "Backwards", "jd", None, "2024-03-01 00:00:00",
         "2024-02-01 00:00:00"),
        # bad_timestamp: starts after as-of
        ("K5", "Future", "jd", None, "2025-07-01 00:00:00", None),
        # bad_timestamp: ends_at does not parse
        ("K6", "Vague", "jd", None, "2024-03-01 00:00:00", "soon"),
    ],
    "campaign_touches": [
        # clean
        ("T1", "K1", "M1", "sms", "treatment", "2024-03-02 10:00:00", "true",
         "2024-03-02 11:00:00", None),
        ("T1", "K1", "M1", "sms", "treatment", "2024-03-02 10:00:00", "true",
         "2024-03-02 11:00:00", None),  # exact duplicate
        ("T2", "K1", "M2", "sms", "control", "2024-03-02 10:00:00", "false",
         None, None),
        ("T3", "K2", "M3", "wechat", "treatment", "2025-06-02 10:00:00", None,
         None, None),
        # missing_key
        (None, "K1", "M1", "sms", "treatment", "2024-03-02 10:00:00", "true",
         None, None),
        # duplicate_key: T2 with an earlier touched_at loses
        ("T2", "K1", "M2", "sms", "control", "2024-03-01 10:00:00", "false",
         None, None),
        # unknown_code: touch_channel
        ("T4", "K1", "M1", "fax", "treatment", "2024-03-02 10:00:00", "true",
         None, None),
        # unknown_code: delivered does not parse
        ("T5", "K1", "M1", "sms", "treatment", "2024-03-02 10:00:00",
         "maybe", None, None),
        # bad_timestamp: clicked after as-of
        ("T6", "K2", "M1", "sms", "treatment", "2025-06-02 10:00:00", "true",
         "2025-06-03 10:00:00", "2025-07-02 10:00:00"),
        # bad_timestamp: opened_at does not parse
        ("T7", "K1", "M1", "sms", "treatment", "2024-03-02 10:00:00", "true",
         "x", None),
        # orphan: campaign K3 is quarantined
        ("T8", "K3", "M1", "sms", "treatment", "2024-03-02 10:00:00", "true",
         None, None),
        # orphan: member M5 is quarantined
        ("T9", "K1", "M5", "sms", "treatment", "2024-03-02 10:00:00", "true",
         None, None),
    ],
    "service_tickets": [
        # clean
        ("S1", "M1", "tmall", "O1", "complaint", "2024-02-02 10:00:00",
         "2024-02-02 10:30:00", "2024-02-03 10:00:00", "4"),
        ("S1", "M1", "tmall", "O1", "complaint", "2024-02-02 10:00:00",
         "2024-02-02 10:30:00", "2024-02-03 10:00:00", "4"),  # exact dup
        ("S2", None, "jd", None, "inquiry", "2024-03-01 10:00:00", None,
         None, None),
        # missing_key
        (None, "M1", "tmall", None, "inquiry", "2024-03-01 10:00:00", None,
         None, None),
        # duplicate_key: S2 with an earlier created_at loses
        ("S2", None, "jd", None, "inquiry", "2024-02-01 10:00:00", None,
         None, None),
        # unknown_code: ticket_type
        ("S3", "M1", "tmall", None, "praise", "2024-03-01 10:00:00", None,
         None, None),
        # bad_timestamp: resolved after as-of
        ("S4", "M1", "tmall", None, "return", "2025-06-29 10:00:00", None,
         "2025-07-05 10:00:00", None),
        # bad_timestamp: first_response_at does not parse
        ("S5", "M1", "tmall", None, "exchange", "2024-03-01 10:00:00",
         "asap", None, None),
        # out_of_range: satisfaction 6
        ("S6", "M1", "tmall", None, "complaint", "2024-03-01 10:00:00", None,
         None, "6"),
        # out_of_range: satisfaction does not parse
        ("S7", "M1", "tmall", None, "complaint", "2024-03-01 10:00:00", None,
         None, "good"),
    ],
    "reviews": [
        ("R1", "O1", "tmall", "2024-02-05 10:00:00", "5"),  # clean
        ("R1", "O1", "tmall", "2024-02-05 10:00:00", "5"),  # exact duplicate
        ("R2", "O2", "jd", "2024-03-05 10:00:00", "1"),  # clean
        (None, "O1", "tmall", "2024-02-05 10:00:00", "4"),  # missing_key
        ("R2", "O2", "jd", "2024-03-04 10:00:00", "2"),  # duplicate_key
        ("R3", "O1", "weibo", "2024-02-05 10:00:00", "9"),  # unknown (+range)
        ("R4", "O1", "tmall", "2025-07-01 10:00:00", "5"),  # bad_ts: after
        ("R5", "O7", "jd", "2024-04-02 10:00:00", "5"),  # orphan: O7 rejected
        ("R6", None, "jd", "2024-04-02 10:00:00", "5"),  # orphan: no order
        ("R7", "O1", "tmall", "2024-02-06 10:00:00", "0"),  # out_of_range
        ("R8", "O1", "tmall", "2024-02-06 10:00:00", None),  # out_of_range
        ("R9", "O1", "tmall", "2024-02-06 10:00:00", "4.5"),  # out_of_range
    ],
    "surveys": [
        ("V1", "M1", "2024-05-01 10:00:00", "9"),  # clean
        ("V1", "M1", "2024-05-01 10:00:00", "9"),  # exact duplicate
        ("V2", "M2", "2024-05-02 10:00:00", "0"),  # clean
        (None, "M1", "2024-05-01 10:00:00", "5"),  # missing_key
        ("V2", "M2", "2024-05-01 10:00:00", "7"),  # duplicate_key (older)
        ("V3", "M1", None, "5"),  # bad_timestamp: null
        ("V4", "M99", "2024-05-01 10:00:00", "5"),  # orphan
        ("V5", "M1", "2024-05-01 10:00:00", "11"),  # out_of_range
        ("V6", "M1", "2024-05-01 10:00:00", "ten"),  # out_of_range: unparsed
    ],
    "exposure_resources": [
        ("2024-06-01", "tmall", "RES1", "banner", "true"),  # clean: wins tie
        ("2024-06-01", "tmall", "RES1", "banner", "true"),  # exact duplicate
        ("2024-06-01", "app", "RES2", "live_room", None),  # clean: null flag
        ("2024-06-01", "tmall", None, "banner", "true"),  # missing_key
        (None, "tmall", "RES3", "banner", "true"),  # missing_key
        ("2024-06-01", "tmall", "RES1", "banner", "false"),  # duplicate_key
        ("2024-06-01", "weibo", "RES4", "banner", "true"),  # unknown_code
        ("2024-06-01", "jd", "RES5", "banner", "sometimes"),  # unknown_code
        ("2025-07-01", "tmall", "RES6", "banner", "true"),  # bad_ts: after
        ("June 1st", "tmall", "RES7", "banner", "true"),  # bad_ts: unparsed
    ],
}

# Hand counts from the row comments above.
EXPECTED_QUARANTINE = {
    ("members", "missing_key"): 1,
    ("members", "duplicate_key"): 1,
    ("members", "unknown_code"): 1,
    ("members", "bad_timestamp"): 1,
    ("members", "out_of_range"): 1,
    ("member_bindings", "missing_key"): 1,
    ("member_bindings", "duplicate_key"): 1,
    ("member_bindings", "unknown_code"): 1,
    ("member_bindings", "bad_timestamp"): 1,
    ("member_bindings", "orphan"): 2,
    ("orders", "missing_key"): 1,
    ("orders", "duplicate_key"): 1,
    ("orders", "unknown_code"): 1,
    ("orders", "bad_amount"): 2,
    ("orders", "bad_timestamp"): 2,
    ("order_items", "missing_key"): 2,
    ("order_items", "duplicate_key"): 1,
    ("order_items", "bad_amount"): 2,
    ("order_items", "orphan"): 2,
    ("points_ledger", "missing_key"): 1,
    ("points_ledger", "duplicate_key"): 1,
    ("points_ledger", "unknown_code"): 1,
    ("points_ledger", "bad_amount"): 2,
    ("points_ledger", "bad_timestamp"): 1,
    ("points_ledger", "orphan"): 1,
    ("tier_changes", "missing_key"): 1,
    ("tier_changes", "duplicate_key"): 1,
    ("tier_changes", "unknown_code"): 1,
    ("tier_changes", "bad_timestamp"): 2,
    ("tier_changes", "orphan"): 1,
    ("channel_traffic", "missing_key"): 1,
    ("channel_traffic", "duplicate_key"): 1,
    ("channel_traffic", "unknown_code"): 1,
    ("channel_traffic", "bad_amount"): 3,
    ("channel_traffic", "bad_timestamp"): 2,
    ("interactions", "missing_key"): 1,
    ("interactions", "duplicate_key"): 1,
    ("interactions", "unknown_code"): 2,
    ("interactions", "bad_timestamp"): 2,
    ("campaigns", "missing_key"): 1,
    ("campaigns", "duplicate_key"): 1,
    ("campaigns", "unknown_code"): 1,
    ("campaigns", "bad_timestamp"): 3,
    ("campaign_touches", "missing_key"): 1,
    ("campaign_touches", "duplicate_key"): 1,
    ("campaign_touches", "unknown_code"): 2,
    ("campaign_touches", "bad_timestamp"): 2,
    ("campaign_touches", "orphan"): 2,
    ("service_tickets", "missing_key"): 1,
    ("service_tickets", "duplicate_key"): 1,
    ("service_tickets", "unknown_code"): 1,
    ("service_tickets", "bad_timestamp"): 2,
    ("service_tickets", "out_of_range"): 2,
    ("reviews", "missing_key"): 1,
    ("reviews", "duplicate_key"): 1,
    ("reviews", "unknown_code"): 1,
    ("reviews", "bad_timestamp"): 1,
    ("reviews", "orphan"): 2,
    ("reviews", "out_of_range"): 3,
    ("surveys", "missing_key"): 1,
    ("surveys", "duplicate_key"): 1,
    ("surveys", "bad_timestamp"): 1,
    ("surveys", "orphan"): 1,
    ("surveys", "out_of_range"): 2,
    ("exposure_resources", "missing_key"): 2,
    ("exposure_resources", "duplicate_key"): 1,
    ("exposure_resources", "unknown_code"): 2,
    ("exposure_resources", "bad_timestamp"): 2,
}

EXPECTED_CLEAN = {
    "members": 4,
    "member_bindings": 3,
    "orders": 4,
    "order_items": 6,
    "points_ledger": 3,
    "tier_changes": 3,
    "channel_traffic": 3,
    "interactions": 3,
    "campaigns": 2,
    "campaign_touches": 3,
    "service_tickets": 2,
    "reviews": 2,
    "surveys": 2,
    "exposure_resources": 2,
}

# Every table holds exactly one exact duplicate of its first row.
EXPECTED_COLLAPSED = dict.fromkeys(COLUMNS, 1)

# Reject classes that apply to each table (docs/quarantine_rules.md).
APPLICABLE_REASONS = {
    "members": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "out_of_range",
    },
    "member_bindings": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "orphan",
    },
    "orders": {
        "missing_key", "duplicate_key", "unknown_code", "bad_amount",
        "bad_timestamp",
    },
    "order_items": {"missing_key", "duplicate_key", "bad_amount", "orphan"},
    "points_ledger": {
        "missing_key", "duplicate_key", "unknown_code", "bad_amount",
        "bad_timestamp", "orphan",
    },
    "tier_changes": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "orphan",
    },
    "channel_traffic": {
        "missing_key", "duplicate_key", "unknown_code", "bad_amount",
        "bad_timestamp",
    },
    "interactions": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
    },
    "campaigns": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
    },
    "campaign_touches": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "orphan",
    },
    "service_tickets": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "out_of_range",
    },
    "reviews": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
        "orphan", "out_of_range",
    },
    "surveys": {
        "missing_key", "duplicate_key", "bad_timestamp", "orphan",
        "out_of_range",
    },
    "exposure_resources": {
        "missing_key", "duplicate_key", "unknown_code", "bad_timestamp",
    },
}

# fmt: on

OPTIONAL_TABLES = [name for name in COLUMNS if name not in REQUIRED_RAW_TABLES]

# The clean rows of the required tables, for builds that need a valid base.
CLEAN_REQUIRED_ROWS = {
    "members": ROWS["members"][:5],
    "member_bindings": ROWS["member_bindings"][:4],
    "orders": ROWS["orders"][:4],
}


def write_raw(raw_dir: Path, rows: dict[str, list[tuple]]) -> dict[str, int]:
    """Write one CSV per table; the number of rows written per table."""
    return {
        table: write_csv(raw_dir / f"{table}.csv", COLUMNS[table], table_rows)
        for table, table_rows in rows.items()
    }


def contract_columns(table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a raw table, read from the sources YAML."""
    sources_yml = PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
    sources = yaml.safe_load(sources_yml.read_text())["sources"]
    (raw,) = [source for source in sources if source["name"] == "raw"]
    (spec,) = [item for item in raw["tables"] if item["name"] == table]
    return [
        (column["name"], column["data_type"].upper().replace(" ", "")) for column in spec["columns"]
    ]


def test_hand_counts_are_consistent() -> None:
    """The hand counts add up to the rows written, and cover every class."""
    for table, table_rows in ROWS.items():
        quarantined = sum(
            count for (name, _), count in EXPECTED_QUARANTINE.items() if name == table
        )
        assert len(table_rows) == (
            EXPECTED_CLEAN[table] + quarantined + EXPECTED_COLLAPSED[table]
        ), table
        reasons = {reason for (name, reason) in EXPECTED_QUARANTINE if name == table}
        assert reasons == APPLICABLE_REASONS[table], table


@pytest.mark.slow
def test_every_reject_class_is_quarantined_and_rows_reconcile(
    raw_dir: Path, dbt_work_dir: Path
) -> None:
    written = write_raw(raw_dir, ROWS)

    result = run_dbt(
        STAGING,
        work_dir=dbt_work_dir,
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF_DATE},
    )

    # Every table quarantines far more than the thresholds: the error-level
    # share test fails, the warn-level one warns, nothing else goes wrong.
    assert not result.success, result.output
    assert result.with_status("error", "fail", "skipped") == [
        "test.memberkpi.assert_quarantine_share_below_error"
    ], result.output
    assert result.with_status("warn") == ["test.memberkpi.assert_quarantine_share_below_warn"], (
        result.output
    )

    summary = query(
        result.db_path,
        "select source_table, reject_reason, count_rows from staging.quarantine_summary",
    )
    assert {(table, reason): count for table, reason, count in summary} == (EXPECTED_QUARANTINE)

    reconciliation = {
        row[0]: row[1:]
        for row in query(
            result.db_path,
            "select source_table, count_raw_rows, count_clean_rows,"
            " count_quarantined_rows, count_collapsed_duplicates, is_balanced"
            " from staging.raw_row_reconciliation",
        )
    }
    assert set(reconciliation) == set(COLUMNS)
    for table, (raw, clean, quarantined, collapsed, balanced) in reconciliation.items():
        assert raw == written[table], table
        assert clean == EXPECTED_CLEAN[table], table
        assert collapsed == EXPECTED_COLLAPSED[table], table
        assert raw == clean + quarantined + collapsed, table
        assert balanced, table
        (clean_rows,) = query(result.db_path, f"select count(*) from staging.stg_raw__{table}")[0]
        assert clean_rows == clean, table

    # The base tables keep a row's raw values only when it is rejected; the
    # quarantine prints them as they were written.
    for table, columns in COLUMNS.items():
        raw_set = " or ".join(f"raw_{column} is not null" for column in columns)
        assert query(
            result.db_path,
            f"select count(*) from staging.base_raw__{table}"
            f" where reject_reason is null and ({raw_set})",
        ) == [(0,)], table
    assert query(
        result.db_path,
        "select order_id, gross_amount, paid_at from staging.quarantine_raw__orders"
        " where order_id in ('O7', 'O8') order by order_id",
    ) == [("O7", "abc", None), ("O8", "10", "yesterday")]

    # Spot checks of which row won a key and of typing.
    assert query(
        result.db_path,
        "select joined_at from staging.stg_raw__members where member_id = 'M4'",
    ) == query(result.db_path, "select timestamp '2024-05-01 10:00:00'")
    assert query(
        result.db_path,
        "select sku_id from staging.stg_raw__order_items where order_id = 'O2' and line_number = 2",
    ) == [("SKU5",)]
    assert query(
        result.db_path,
        "select touch_id, delivered from staging.stg_raw__campaign_touches order by touch_id",
    ) == [("T1", True), ("T2", False), ("T3", False)]
    assert query(
        result.db_path,
        "select resource_id, shows_member_entry"
        " from staging.stg_raw__exposure_resources order by resource_id",
    ) == [("RES1", True), ("RES2", False)]

    # A trailing tab, CR or U+3000 is trimmed from keys, codes and
    # timestamps: O9 is clean and both of its lines find it (no orphans).
    assert query(
        result.db_path,
        "select order_id, customer_id, order_status, ordered_at, paid_at"
        " from staging.stg_raw__orders where order_id = 'O9'",
    ) == [("O9", "C1", "paid", dt.datetime(2024, 4, 2, 10, 0), dt.datetime(2024, 4, 2, 10, 1))]
    assert query(
        result.db_path,
        "select order_id, line_number, line_amount from staging.stg_raw__order_items"
        " where order_id = 'O9' order by line_number",
    ) == query(result.db_path, "select 'O9', 1, 10.00 union all select 'O9', 2, 20.00")
    # An epoch-zero timestamp lies before var earliest_business_date.
    assert query(
        result.db_path,
        "select reject_reason, ordered_at from staging.quarantine_raw__orders"
        " where order_id = 'O10'",
    ) == [("bad_timestamp", "1970-01-01 00:00:00")]

    # The threshold tests name each table, its share, its reasons and the
    # threshold; orders: 7 of 12 rows quarantined (hand counts above).
    orders_reasons = (
        "bad_amount 2 (16.67%), bad_timestamp 2 (16.67%), duplicate_key 1 (8.33%),"
        " missing_key 1 (8.33%), unknown_code 1 (8.33%); see model quarantine_raw__orders"
        " and fix the export, or raise the var if expected"
    )
    assert (
        "ERROR: raw table orders quarantines 58.33% of its 12 rows, above"
        " quarantine_error_share = 5%: " + orders_reasons
    ) in result.output
    assert (
        "WARNING: raw table orders quarantines 58.33% of its 12 rows, above"
        " quarantine_warn_share = 0.1%: " + orders_reasons
    ) in result.output
    for table in COLUMNS:
        for level in ("ERROR", "WARNING"):
            assert f"{level}: raw table {table} quarantines " in result.output, (level, table)


@pytest.mark.slow
def test_absent_optional_tables_give_empty_typed_staging(raw_dir: Path, dbt_work_dir: Path) -> None:
    write_raw(raw_dir, CLEAN_REQUIRED_ROWS)

    result = run_dbt(
        STAGING,
        work_dir=dbt_work_dir,
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF_DATE},
    )

    assert result.success, result.output
    assert result.with_status("warn") == [], result.output
    for table in OPTIONAL_TABLES:
        model = f"staging.stg_raw__{table}"
        assert query(result.db_path, f"select count(*) from {model}") == [(0,)], table
        described = query(result.db_path, f"describe {model}")
        columns = sorted((name, data_type) for name, data_type, *_ in described)
        assert columns == sorted(contract_columns(table)), table


@pytest.mark.slow
@pytest.mark.parametrize("missing", REQUIRED_RAW_TABLES)
def test_missing_required_table_fails_naming_the_file(
    raw_dir: Path, dbt_work_dir: Path, missing: str
) -> None:
    write_raw(
        raw_dir,
        {
            table: table_rows
            for table, table_rows in CLEAN_REQUIRED_ROWS.items()
            if table != missing
        },
    )

    result = run_dbt(
        STAGING,
        work_dir=dbt_work_dir,
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF_DATE},
    )

    assert not result.success
    assert f"raw table '{missing}' is required" in result.output
    assert f"{raw_dir}/{missing}.parquet or .csv" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_required_table_without_rows_fails_naming_the_file(
    raw_dir: Path, dbt_work_dir: Path, file_format: str
) -> None:
    """A header-only orders.csv, or an orders.parquet of 0 rows, stops the
    build before any model runs, as a missing file does."""
    write_raw(
        raw_dir, {"members": ROWS["members"][:5], "member_bindings": ROWS["member_bindings"][:4]}
    )
    orders = raw_dir / f"orders.{file_format}"
    header_only = raw_dir / "orders.csv"
    write_csv(header_only, COLUMNS["orders"], [])
    if file_format == "parquet":
        duckdb.sql(
            f"copy (select * from read_csv('{header_only}', header = true, all_varchar = true))"
            f" to '{orders}' (format parquet)"
        )
        header_only.unlink()
        assert duckdb.sql(f"select count(*) from '{orders}'").fetchall() == [(0,)]

    result = run_dbt(
        STAGING,
        work_dir=dbt_work_dir,
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF_DATE},
    )

    assert not result.success
    lines = [line.strip() for line in result.output.splitlines()]
    assert f"raw table 'orders' is required but its file {orders} holds no data rows" in lines
    assert result.with_status("success", "pass", "warn", "fail", "error") == []
    assert query(result.db_path, "select count(*) from duckdb_tables()") == [(0,)]
