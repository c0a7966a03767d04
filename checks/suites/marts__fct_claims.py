"""marts.fct_claims: the night's claims carry a known frame, speaker type and target type, and their sentence."""

from __future__ import annotations

from checks.spec import Frame, Suite, expect, known_zone
from transforms.udf.claims import SPEAKER_TYPES, TARGET_TYPES
from transforms.udf.frames import LABELS

SUITE = Suite(
    "marts.fct_claims",
    (
        Frame(
            "night",
            "select c.zone_id, c.item_id, c.frame, c.speaker_type, c.target_type, c.sentence "
            "from marts.fct_claims c "
            "where c.item_id in (select item_id from raw.items where data_date = $run_date)",
            ("zone_id", "item_id", "frame", "sentence"),
            lambda p: [
                known_zone(p, "zone_id", "zone_id is a zone in the registry"),
                expect(
                    "expect_column_values_to_be_in_set",
                    "frame is one of the frames",
                    column="frame",
                    value_set=list(LABELS),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "speaker_type is one of the speaker types (or none named)",
                    column="speaker_type",
                    value_set=list(SPEAKER_TYPES),
                ),
                expect(
                    "expect_column_values_to_be_in_set",
                    "target_type is one of the target types (or none found)",
                    column="target_type",
                    value_set=list(TARGET_TYPES),
                ),
                expect(
                    "expect_column_values_to_not_be_null", "every claim keeps its sentence", column="sentence"
                ),
            ],
        ),
    ),
)
