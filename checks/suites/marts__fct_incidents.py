"""marts.fct_incidents: one row per incident and zone, each in a registry zone, of a known kind, dated."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone
from checks.suites.raw__access_incidents import KINDS

SUITE = Suite(
    "marts.fct_incidents",
    (
        Frame(
            "all",
            "select zone_id, incident_id, incident_kind, started_on, placed_by from marts.fct_incidents",
            ("zone_id", "incident_id"),
            lambda p: [
                known_zone(p, "zone_id", "zone_id is a zone in the registry"),
                expect(
                    "expect_compound_columns_to_be_unique",
                    "one row per incident and zone",
                    column_list=["zone_id", "incident_id"],
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "incident_kind is a known incident kind",
                    column="incident_kind",
                    value_set=list(KINDS),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "placed_by says how the zone was found",
                    column="placed_by",
                    value_set=["location", "admin1", "country", "country_wide"],
                ),
            ],
        ),
    ),
)
