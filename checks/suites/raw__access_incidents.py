"""raw.access_incidents: the night's dataset incidents have unique keys and a known kind."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect

KINDS = ("killed", "imprisoned", "detained", "expelled", "denied_entry", "attacked", "shutdown", "outage")

SUITE = Suite(
    "raw.access_incidents",
    (
        Frame(
            "night",
            "select incident_id, source_id, kind, started_on, ended_on, "
            "(ended_on is null or started_on is null or ended_on >= started_on) as is_ordered "
            "from raw.access_incidents where data_date = $run_date",
            ("incident_id",),
            lambda p: [
                expect(
                    "expect_column_values_to_not_be_null", "incident_id is required", column="incident_id"
                ),
                expect("expect_column_values_to_be_unique", "incident_id is unique", column="incident_id"),
                expect(
                    "expect_column_values_to_be_in_set",
                    "kind is a known incident kind",
                    column="kind",
                    value_set=list(KINDS),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "an incident does not end before it starts",
                    blocking=False,
                    column="is_ordered",
                    value_set=[True],
                ),
            ],
        ),
    ),
)
