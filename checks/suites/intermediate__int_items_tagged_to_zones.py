"""intermediate.int_items_tagged_to_zones: the night's items are tagged only to known zones, once each."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone

SUITE = Suite(
    "intermediate.int_items_tagged_to_zones",
    (
        Frame(
            "night",
            "select t.item_id, t.zone_id, t.score from intermediate.int_items_tagged_to_zones t "
            "where t.item_id in (select item_id from raw.items where data_date = $run_date)",
            ("item_id", "zone_id"),
            lambda p: [
                expect("expect_column_values_to_not_be_null", "zone_id is required", column="zone_id"),
                known_zone(p, "zone_id", "every tagged item refers to a zone in the registry"),
                expect(
                    "expect_compound_columns_to_be_unique",
                    "one row per item and zone",
                    column_list=["item_id", "zone_id"],
                ),
            ],
        ),
    ),
)
