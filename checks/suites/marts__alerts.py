"""marts.alerts: unique ids, a valid kind, severity and status, and resolved_on set exactly when resolved."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone

KINDS = ("reporting_drop", "presence_drop", "source_silent", "access_incident", "collection_gap")
SEVERITIES = ("critical", "high", "medium")
STATUSES = ("open", "resolved")

SUITE = Suite(
    "marts.alerts",
    (
        Frame(
            "alerts",
            "select alert_id, zone_id, kind, severity, status, opened_on, resolved_on, "
            "(status = 'resolved') = (resolved_on is not null) as is_resolution_consistent "
            "from marts.alerts",
            ("alert_id",),
            lambda p: [
                expect("expect_column_values_to_not_be_null", "alert_id is required", column="alert_id"),
                expect("expect_column_values_to_be_unique", "alert_id is unique", column="alert_id"),
                expect(
                    "expect_column_values_to_be_in_set",
                    "kind is a known alert kind",
                    column="kind",
                    value_set=list(KINDS),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "status is open or resolved",
                    column="status",
                    value_set=list(STATUSES),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "severity is known",
                    column="severity",
                    value_set=list(SEVERITIES),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "resolved_on is set exactly when status is resolved",
                    column="is_resolution_consistent",
                    value_set=[True],
                ),
                known_zone(p, "zone_id", "zone_id is a zone in the registry"),
            ],
        ),
    ),
)
