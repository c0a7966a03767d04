"""intermediate.int_items_with_datelines: the night's datelines place items only in known zones."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone

SUITE = Suite(
    "intermediate.int_items_with_datelines",
    (
        Frame(
            "night",
            "select d.item_id, d.dateline_place, d.dateline_zone_id, d.ambiguous_zone_id "
            "from intermediate.int_items_with_datelines d "
            "where d.item_id in (select item_id from raw.items where data_date = $run_date)",
            ("item_id",),
            lambda p: [
                expect("expect_column_values_to_be_unique", "one dateline per item", column="item_id"),
                known_zone(p, "dateline_zone_id", "the dateline zone is a zone in the registry"),
                known_zone(p, "ambiguous_zone_id", "the ambiguous dateline zone is a zone in the registry"),
            ],
        ),
    ),
)
