"""Synthetic items for bench/load.py: a batch in the items landing schema, landed as one file per source."""

# Built vectorised with numpy/pyarrow. An item's content is a function of its key, so a repeated key is the
# same article: ~2% of a batch's rows repeat an item_id of the batch, which exercises the loader's in-batch
# dedup. The rows are written as landing Parquet files, one per source, each with its own run id as a
# crawler writes it.

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from landing.files import new_run_id, write_landing_file
from landing.schemas import LANDING_SCHEMAS

DUPLICATE_SHARE = 0.02

SCHEMA = LANDING_SCHEMAS["items"]
TS_TYPE = SCHEMA.field("fetched_at").type

WORDS = (
    "ceasefire talks border shelling reporters access denied convoy humanitarian corridor city "
    "council minister army drone strike village refugees camp aid water power outage militia "
    "checkpoint journalists detained press freedom satellite images night curfew protest police "
    "election court ruling hospital school bridge port grain exports sanctions envoy summit "
    "government opposition rebels offensive frontline casualties evacuation shelter winter fuel "
    "prices market internet shutdown blackout radio station editor correspondent local sources "
    "officials said report confirmed unverified footage witnesses region province capital"
).split()
LANGUAGES = ["en", "en", "en", "fr", "ar", "uk", "ru", "es"]
AUTHORS = [
    f"{first} {last}"
    for first in ("Amal", "Oleh", "Marie", "Jon", "Sara")
    for last in ("Haddad", "Kovalenko", "Dubois", "Smith")
]


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64, so distinct keys give distinct, random-looking ids."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _hex_ids(keys: np.ndarray) -> pa.Array:
    """20 lowercase hex characters per key, like landing.files.stable_id (distinct per key)."""
    hi = _mix64(keys)  # 16 hex characters: a bijection of the key
    lo = _mix64(keys ^ np.uint64(0xA5A5A5A5A5A5A5A5)) >> np.uint64(48)  # 4 more hex characters
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = np.concatenate(
        [(hi[:, None] >> shifts) & np.uint64(0xF), (lo[:, None] >> shifts[-4:]) & np.uint64(0xF)], axis=1
    )
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.intp)]
    return pa.array(np.ascontiguousarray(chars).view("S20").ravel()).cast(pa.string())


def _phrases(keys: np.ndarray, salt: int, low: int, high: int, sep: str = " ") -> pa.Array:
    """A phrase of low..high words from WORDS per key, the same for the same key (joined in Arrow)."""
    salt_u = np.uint64(salt)
    lengths = (low + _mix64(keys ^ salt_u) % np.uint64(high - low + 1)).astype(np.int64)
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    position = np.arange(offsets[-1], dtype=np.uint64) - np.repeat(offsets[:-1], lengths).astype(np.uint64)
    word_no = _mix64(np.repeat(keys, lengths) * np.uint64(1024) + position + salt_u) % np.uint64(len(WORDS))
    words = pa.array(WORDS).take(pa.array(word_no.astype(np.int64)))
    return pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), words), sep)


def _timestamps(base: datetime, seconds: np.ndarray) -> pa.Array:
    us = np.int64(int(base.timestamp() * 1_000_000)) + seconds.astype(np.int64) * 1_000_000
    return pa.array(us, type=pa.int64()).cast(TS_TYPE)


def make_items(
    keys: np.ndarray, n_sources: int, data_date: date, seed: int, width: str = "narrow"
) -> pa.Table:
    """Items whose content is a function of the key (a repeated key is the same article); fetched_at varies."""
    keys = keys.astype(np.uint64)
    n = len(keys)

    def pick(values: list, salt: int) -> pa.Array:
        return pa.array(values).take(
            pa.array((_mix64(keys ^ np.uint64(salt)) % np.uint64(len(values))).astype(np.int64))
        )

    def share(salt: int, fraction: float) -> pa.Array:
        return pa.array(
            (_mix64(keys ^ np.uint64(salt)) % np.uint64(10_000)).astype(np.int64) < fraction * 10_000
        )

    sources = pa.array([f"src-{i:02d}" for i in range(n_sources)]).take(
        pa.array((keys % np.uint64(n_sources)).astype(np.int64))
    )
    slug = pc.binary_join_element_wise(_phrases(keys, 1, 3, 6, "-"), pa.array(keys).cast(pa.string()), "-")
    canonical = pc.binary_join_element_wise(
        pa.scalar("https://"), sources, pa.scalar(f".example.org/{data_date:%Y/%m/%d}/"), slug, ""
    )
    url = pc.binary_join_element_wise(canonical, pa.scalar("?utm_source=rss&utm_medium=feed"), "")
    body = pc.utf8_capitalize(_phrases(keys, 4, 20, 60))
    none = pa.nulls(n, pa.string())
    author = pc.if_else(share(5, 0.3), pa.scalar(None, pa.string()), pick(AUTHORS, 6))
    midnight = datetime(data_date.year, data_date.month, data_date.day, tzinfo=UTC)
    published = _timestamps(midnight, _mix64(keys ^ np.uint64(7)) % np.uint64(86_400))
    published = pc.if_else(share(8, 0.05), pa.scalar(None, TS_TYPE), published)
    fetched = _timestamps(midnight, 86_400 + np.random.default_rng(seed).integers(0, 3_600, size=n))
    return pa.table(
        {
            "item_id": _hex_ids(keys),
            "source_id": sources,
            "url": url,
            "canonical_url": canonical,
            "title": pc.utf8_capitalize(_phrases(keys, 2, 5, 11)),
            # narrow: ids, URLs, title, metadata; wide: + summary and lead; body: + 20-60 words of body
            "summary": pc.utf8_capitalize(_phrases(keys, 3, 10, 25)) if width != "narrow" else none,
            "body_text": body if width == "body" else none,
            "lead_text": pc.utf8_slice_codeunits(body, 0, 120) if width != "narrow" else none,
            "language": pick(LANGUAGES, 9),
            "author": author,
            "published_at": published,
            "fetched_at": fetched,
            "run_id": pa.nulls(n, pa.string()),  # set per landing file, see write_sources
            "data_date": pa.array(np.full(n, np.datetime64(data_date.isoformat(), "D"))).cast(pa.date32()),
        }
    ).cast(SCHEMA)


def batch_keys(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Keys of one batch: `rows` keys in random order, ~2% of them repeats of another key of the batch."""
    duplicates = int(round(rows * DUPLICATE_SHARE))
    distinct = rows - duplicates
    keys = np.concatenate([np.arange(distinct), rng.choice(distinct, size=duplicates, replace=False)])
    rng.shuffle(keys)
    return keys.astype(np.uint64), distinct


def write_sources(
    landing_dir: Path, items: pa.Table, n_sources: int, data_date: date, stage: str
) -> list[Path]:
    """One landing file per source; the run_id column is the file's own run id, as a crawler writes it."""
    order = pc.sort_indices(items, [("source_id", "ascending")])
    items = items.take(order)
    counts = pc.value_counts(items["source_id"])
    paths, start = [], 0
    for entry in sorted(counts.to_pylist(), key=lambda e: e["values"]):
        source_id, count = entry["values"], entry["counts"]
        run_id = new_run_id(f"{stage}-{source_id}", data_date)
        part = items.slice(start, count)
        part = part.set_column(
            part.schema.get_field_index("run_id"), "run_id", pa.repeat(pa.scalar(run_id), count)
        )
        paths.append(write_landing_file(landing_dir, "items", source_id, data_date, run_id, part))
        start += count
    return paths
