"""marts.zone_reporting_daily: a complete calendar per zone, non-negative counts, parts within their totals."""

from __future__ import annotations

from checks.spec import Frame, Params, Rule, Suite, expect, known_zone

COUNTS = (
    "items_total",
    "independent_items",
    "independent_stories",
    "independent_outlets",
    "inside_dateline_stories",
    "outside_dateline_stories",
    "state_items",
    "ngo_un_items",
    "claims_covered_items",
    "frame_items",
    "incident_stories",
    "fetches",
    "failed_fetches",
)
# (part, whole): a part never exceeds its whole.
WITHIN = (
    ("independent_items", "items_total"),
    ("independent_stories", "independent_items"),
    ("independent_outlets", "independent_items"),
    ("state_items", "items_total"),
    ("claims_covered_items", "items_total"),
    ("frame_items", "claims_covered_items"),
    ("failed_fetches", "fetches"),
)


def day_rules(p: Params) -> list[Rule]:
    return [
        known_zone(p, "zone_id", "zone_id is a zone in the registry"),
        *(
            expect("expect_column_values_to_be_between", f"{c} is not negative", column=c, min_value=0)
            for c in COUNTS
        ),
        *(
            expect(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"{part} <= {whole}",
                column_A=whole,
                column_B=part,
                or_equal=True,
            )
            for part, whole in WITHIN
        ),
        expect(
            "expect_column_values_to_be_between",
            "collection_health lies in 0..1",
            column="collection_health",
            min_value=0,
            max_value=1,
        ),
    ]


CALENDAR = Frame(
    "calendar",
    """
    select zone_id, min(day) as first_day, max(day) as last_day, count(*) as day_rows,
        date_diff('day', min(day), max(day)) + 1 as calendar_days,
        max(day) = $run_date as reaches_run_date
    from marts.zone_reporting_daily
    where day <= $run_date
    group by zone_id
    """,
    ("zone_id",),
    lambda p: [
        expect(
            "expect_column_pair_values_to_be_equal",
            "one row per zone per day: no missing and no repeated day between the zone's first day and its last",
            column_A="day_rows",
            column_B="calendar_days",
        ),
        expect(
            "expect_column_values_to_be_in_set",
            "the zone's calendar reaches the run date",
            column="reaches_run_date",
            value_set=[True],
        ),
    ],
)

DAYS = Frame(
    "days",
    "select * from marts.zone_reporting_daily where day <= $run_date",
    ("zone_id", "day"),
    day_rules,
)

SUITE = Suite("marts.zone_reporting_daily", (CALENDAR, DAYS))
