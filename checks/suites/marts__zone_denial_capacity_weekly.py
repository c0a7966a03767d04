"""marts.zone_denial_capacity_weekly: one row per zone and week, the index in 0..100, components in 0..1."""

from __future__ import annotations

from checks.spec import Frame, Params, Rule, Suite, expect

COMPONENTS = (
    "density_deficit",
    "presence_deficit",
    "diversity_deficit",
    "access_restriction",
    "narrative_control",
    "conflict_intensity",
)


def rules(p: Params) -> list[Rule]:
    return [
        expect(
            "expect_compound_columns_to_be_unique",
            "one row per zone and week",
            column_list=["zone_id", "week_start"],
        ),
        expect(
            "expect_column_values_to_be_between",
            "denial_capacity_index lies in 0..100",
            column="denial_capacity_index",
            min_value=0,
            max_value=100,
        ),
        *(
            expect(
                "expect_column_values_to_be_between", f"{c} lies in 0..1", column=c, min_value=0, max_value=1
            )
            for c in COMPONENTS
        ),
    ]


SUITE = Suite(
    "marts.zone_denial_capacity_weekly",
    (
        Frame(
            "weeks",
            "select * from marts.zone_denial_capacity_weekly where week_start <= $run_date",
            ("zone_id", "week_start"),
            rules,
        ),
    ),
)
