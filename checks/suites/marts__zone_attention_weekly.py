"""marts.zone_attention_weekly: one row per zone and week; counts not negative, a rank from 1, a reason for nulls."""

from __future__ import annotations

from checks.spec import Frame, Params, Rule, Suite, expect, known_zone

NOT_NEGATIVE = (
    "independent_stories_week",
    "fatalities_week",
    "conflict_events_week",
    "fatalities_baseline",
    "stories_per_fatality_week",
    "stories_per_fatality_baseline",
    "stories_per_fatality_peers",
    "stories_per_fatality_vs_peers",
)


def rules(p: Params) -> list[Rule]:
    return [
        known_zone(p, "zone_id", "zone_id is a zone in the registry"),
        expect(
            "expect_compound_columns_to_be_unique",
            "one row per zone and week",
            column_list=["zone_id", "week_start"],
        ),
        *(
            expect("expect_column_values_to_not_be_null", f"{c} is always set", column=c)
            for c in ("zone_id", "week_start", "level", "is_violence_rising")
        ),
        *(
            expect("expect_column_values_to_be_between", f"{c} is not negative", column=c, min_value=0)
            for c in NOT_NEGATIVE
        ),
        expect(
            "expect_column_values_to_be_between",
            "attention_rank counts from 1",
            column="attention_rank",
            min_value=1,
        ),
        expect(
            "expect_column_values_to_be_in_set",
            "level is zone or country",
            column="level",
            value_set=["zone", "country"],
        ),
    ]


SUITE = Suite(
    "marts.zone_attention_weekly",
    (
        Frame(
            "weeks",
            "select * from marts.zone_attention_weekly where week_start <= $run_date",
            ("zone_id", "week_start"),
            rules,
        ),
        Frame(
            "gaps",
            "select zone_id, week_start, null_reason from marts.zone_attention_weekly "
            "where attention_gap is null and week_start <= $run_date",
            ("zone_id", "week_start"),
            lambda p: [
                expect(
                    "expect_column_values_to_not_be_null",
                    "a week without an attention gap says why",
                    column="null_reason",
                )
            ],
        ),
    ),
)
