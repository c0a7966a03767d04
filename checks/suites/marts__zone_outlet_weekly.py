"""marts.zone_outlet_weekly: one row per zone, week and outlet; counts not negative, shares within [0, 1]."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone

SUITE = Suite(
    "marts.zone_outlet_weekly",
    (
        Frame(
            "all",
            "select zone_id, week_start, source_id, items, inside_dateline_items, baseline_items, "
            "baseline_share from marts.zone_outlet_weekly",
            ("zone_id", "week_start", "source_id"),
            lambda p: [
                known_zone(p, "zone_id", "zone_id is a zone in the registry"),
                expect(
                    "expect_compound_columns_to_be_unique",
                    "one row per zone, week and outlet",
                    column_list=["zone_id", "week_start", "source_id"],
                ),
                *(
                    expect(
                        "expect_column_values_to_be_between", f"{c} is not negative", column=c, min_value=0
                    )
                    for c in ("items", "inside_dateline_items", "baseline_items")
                ),
                expect(
                    "expect_column_values_to_be_between",
                    "baseline_share is a share",
                    column="baseline_share",
                    min_value=0,
                    max_value=1,
                ),
            ],
        ),
    ),
)
