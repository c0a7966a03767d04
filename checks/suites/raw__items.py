"""raw.items: the night's new items have unique keys, well-formed URLs, sane dates and languages and volume."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from checks.spec import Frame, Params, Rule, Suite, expect, known_source
from warehouse.load import EARLIEST_PUBLISHED, FUTURE_SLACK_DAYS, LANGUAGE_PATTERN, URL_PATTERN

VOLUME_FACTOR = 10  # a source may bring at most 10x its median night ...
VOLUME_SLACK = 100  # ... or its median plus 100 items, whichever is larger (small sources vary a lot)
VOLUME_HISTORY_DAYS = 60
VOLUME_MIN_NIGHTS = 3  # fewer nights of history give no baseline, and the rule is not applied


def night_rules(p: Params) -> list[Rule]:
    latest = datetime.combine(p.run_date + timedelta(days=FUTURE_SLACK_DAYS + 1), time(), UTC)
    earliest = datetime.fromisoformat(EARLIEST_PUBLISHED).replace(tzinfo=UTC)
    return [
        *(
            expect("expect_column_values_to_not_be_null", f"{c} is required", column=c)
            for c in ("item_id", "source_id", "url", "canonical_url", "fetched_at")
        ),
        expect(
            "expect_column_values_to_match_regex",
            "url is an absolute http(s) URL",
            column="url",
            regex=URL_PATTERN,
        ),
        expect(
            "expect_column_values_to_be_between",
            f"published_at is after {EARLIEST_PUBLISHED} and not after the run date + {FUTURE_SLACK_DAYS} day",
            column="published_at",
            min_value=earliest,
            max_value=latest,
            strict_max=True,
        ),
        expect(
            "expect_column_values_to_match_regex",
            "language is a lower-case ISO 639 code",
            column="language",
            regex=LANGUAGE_PATTERN,
        ),
        known_source(p),
    ]


NIGHT = Frame(
    "night",
    "select item_id, source_id, url, canonical_url, language, published_at, fetched_at "
    "from raw.items where data_date = $run_date",
    ("item_id",),
    night_rules,
)

# The night's keys together with every earlier row that shares one: the loader's anti-join keeps item_id
# unique across nights, and raw.items has no PRIMARY KEY to enforce it.
KEYS = Frame(
    "keys",
    "select item_id, data_date, source_id from raw.items "
    "where item_id in (select item_id from raw.items where data_date = $run_date)",
    ("item_id", "data_date"),
    lambda p: [
        expect("expect_column_values_to_be_unique", "item_id is unique in raw.items", column="item_id")
    ],
)

VOLUME = Frame(
    "volume_per_source",
    f"""
    with nights as (
        select source_id, data_date, count(*) as new_items
        from raw.items
        where data_date between $run_date - {VOLUME_HISTORY_DAYS} and $run_date
        group by all
    ),
    history as (
        select source_id, median(new_items) as median_items, count(*) as history_nights
        from nights where data_date < $run_date group by all
    )
    select n.source_id, n.new_items, h.median_items, h.history_nights,
        case when h.history_nights >= {VOLUME_MIN_NIGHTS}
            then greatest({VOLUME_FACTOR} * h.median_items, h.median_items + {VOLUME_SLACK}) end as max_items
    from nights n left join history h using (source_id)
    where n.data_date = $run_date
    """,
    ("source_id",),
    lambda p: [
        expect(
            "expect_column_pair_values_a_to_be_greater_than_b",
            f"new items per source at most {VOLUME_FACTOR}x its median night (or median + {VOLUME_SLACK}) "
            f"over the past {VOLUME_HISTORY_DAYS} days",
            column_A="max_items",
            column_B="new_items",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    ],
)

SUITE = Suite("raw.items", (NIGHT, KEYS, VOLUME))
