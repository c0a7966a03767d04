"""raw.fetch_events: the night's fetch events have unique keys, a known outcome and a known error class."""

from __future__ import annotations

from checks.spec import Frame, Params, Rule, Suite, expect, known_source
from landing.fetch_errors import ERROR_PATTERN


def night_rules(p: Params) -> list[Rule]:
    return [
        expect("expect_column_values_to_not_be_null", "event_id is required", column="event_id"),
        expect("expect_column_values_to_be_unique", "event_id is unique in the night", column="event_id"),
        expect("expect_column_values_to_not_be_null", "source_id is required", column="source_id"),
        expect(
            "expect_column_values_to_be_between",
            "http_status is a real HTTP status (100-599) when present",
            column="http_status",
            min_value=100,
            max_value=599,
        ),
        expect(
            "expect_column_values_to_be_in_set",
            "every fetch has an outcome: an HTTP status or an error class",
            column="has_outcome",
            value_set=[True],
        ),
        expect(
            "expect_column_values_to_match_regex",
            "error is a known error class",
            blocking=False,
            column="error",
            regex=ERROR_PATTERN,
        ),
        known_source(p),
    ]


SUITE = Suite(
    "raw.fetch_events",
    (
        Frame(
            "night",
            "select event_id, source_id, url, http_status, error, "
            "(http_status is not null or error is not null) as has_outcome "
            "from raw.fetch_events where data_date = $run_date",
            ("event_id",),
            night_rules,
        ),
    ),
)
