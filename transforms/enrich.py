"""The Python UDFs over Arrow batches of items (zone tags, datelines, denial claims, incidents), in a process pool."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import types
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa

from core.registry import Registry, load_country_names
from transforms.udf.claims import ClaimDetector, Document
from transforms.udf.dateline import DatelineMemo
from transforms.udf.frames import IncidentDetector, share_word_scans
from transforms.udf.geotag import TagColumns, ZoneTagger
from transforms.udf.text import fold

BATCH = 2_000  # items per task: one Arrow batch in, the five tables' rows out
# Below this many pending items one process does it all: a worker costs up to a second to start (the
# forkserver's imports, then the automata), about what it would save on a demo night.
POOL_MIN_ITEMS = 20_000
WORKER_QUEUE = 2  # batches handed to a worker ahead of time
# A registry folder without its own lexicons/ uses the ones shipped in config/.
SHIPPED_CONFIG = Path(__file__).resolve().parents[1] / "config"
# The rules in code that enrichment's rows depend on; change it when tagging, dateline or lexicon code changes
# what an item gets, so that every item is enriched again (see `enrichment_fingerprint`).
ENRICH_RULES = '2026-12-08: claims: a sentence-initial name, Arabic short state names, the "side" of a state'
# int_items_with_claims columns (Claim fields) and their types
CLAIM_COLUMNS: dict[str, pa.DataType] = {
    "frame": pa.string(),
    "speaker_type": pa.string(),
    "speaker": pa.string(),
    "target_type": pa.string(),
    "sentence": pa.string(),
    "in_title": pa.bool_(),
    "is_official": pa.bool_(),
}
# int_items_with_datelines column -> Dateline field
DATELINE_COLUMNS = {
    "dateline_place": "place",
    "dateline_country": "country",
    "dateline_agency": "agency",
    "dateline_zone_id": "zone_id",
    "ambiguous_zone_id": "ambiguous_zone_id",
}


def lexicon_dir(registry: Registry) -> Path:
    return registry.config_dir if (registry.config_dir / "lexicons").is_dir() else SHIPPED_CONFIG


def enrichment_fingerprint(registry: Registry) -> str:
    """What enrichment's rows depend on besides the items: the rules in code, the zones (with their
    generated names), the country names and the lexicons. When it changes, every item is enriched again."""
    digest = hashlib.sha256(ENRICH_RULES.encode())
    for zone in registry.zones:
        digest.update(zone.model_dump_json().encode())
    digest.update(json.dumps(load_country_names(registry.config_dir), sort_keys=True).encode())
    folder = lexicon_dir(registry) / "lexicons"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class Enricher:
    """The UDF objects for one registry, built once per run (and once per worker process)."""

    def __init__(self, registry: Registry):
        names = load_country_names(registry.config_dir)
        self.tagger = ZoneTagger(registry.zones, names)
        self.resolver = self.tagger.dateline_resolver  # the same zones and country names
        lexicons = lexicon_dir(registry)
        self.claims = ClaimDetector.from_config(lexicons)
        self.incidents = IncidentDetector.from_config(lexicons)
        share_word_scans(self.claims.frames, self.incidents)  # each text is scanned once for both

    def batch(self, rows: pa.Table | pa.RecordBatch) -> dict[str, pa.Table | None]:
        """The five tables' rows for a batch of PENDING rows (None where a table gets no row).

        Each text is folded once and tokenised at most once, for the zone tagger and both lexicons; the
        lexicons read the title and the text as one document, the title first.
        """
        titles, leads, texts, languages = (
            rows.column(name).to_pylist() for name in ("title", "lead_text", "text", "language")
        )
        tags = TagColumns(self.tagger.zones)
        dateline_rows: list[int] = []
        datelines: dict[str, list] = {column: [] for column in DATELINE_COLUMNS}
        claim_rows: list[int] = []
        claims: dict[str, list] = {column: [] for column in CLAIM_COLUMNS}
        incidents: tuple[list[int], list[str]] = ([], [])
        tag, extract = self.tagger.evaluate_folded, self.resolver.extract
        detect_claims, detect_incidents = self.claims.detect_document, self.incidents.detect
        for index, (title, lead, text, language) in enumerate(
            zip(titles, leads, texts, languages, strict=True)
        ):
            folded = fold(text) if text else ""
            memo = DatelineMemo()  # the text starts with the lead: their lines are parsed once
            found = extract(lead, language or "en", memo) if lead else None
            tags.add(index, tag(title or "", text or "", folded, language or "en", memo))
            if found:
                dateline_rows.append(index)
                for column, field in DATELINE_COLUMNS.items():
                    datelines[column].append(getattr(found, field))
            document = Document.of(title, text, folded)
            if document.written:
                for claim in detect_claims(document, language):
                    claim_rows.append(index)
                    for column in CLAIM_COLUMNS:
                        claims[column].append(getattr(claim, column))
                for kind in detect_incidents(document.item, language):
                    incidents[0].append(index)
                    incidents[1].append(kind)
        ids = rows.column("item_id")
        tagged = tags.table()
        covered = pa.array([self.claims.covers(language) for language in languages], pa.bool_())
        return {
            "int_items_tagged_to_zones": tagged.drop_columns(["item_index"]).add_column(
                0, "item_id", ids.take(tagged.column("item_index"))
            ),
            "int_items_with_datelines": _with_ids(ids, dateline_rows, datelines),
            "int_items_with_claims": _with_ids(ids, claim_rows, claims, CLAIM_COLUMNS),
            "int_items_with_incidents": _with_ids(ids, incidents[0], {"incident_kind": incidents[1]}),
            "int_items_enriched": pa.table({"item_id": ids, "claims_covered": covered}),
        }


def _with_ids(
    ids: pa.Array | pa.ChunkedArray,
    rows: list[int],
    columns: dict[str, list],
    kinds: dict[str, pa.DataType] | None = None,
) -> pa.Table | None:
    """A table of `item_id` (taken from `ids` at `rows`) and columns (strings unless `kinds` says); None
    when there is no row."""
    if not rows:
        return None
    data = {"item_id": ids.take(pa.array(rows, pa.int64()))}
    data.update(
        {name: pa.array(values, (kinds or {}).get(name, pa.string())) for name, values in columns.items()}
    )
    return pa.table(data)


# -- process pool: one Enricher per worker, Arrow batches in and out ------------------------------------

_WORKER: Enricher | None = None


def _start_worker(registry: Registry) -> None:
    global _WORKER
    _WORKER = Enricher(registry)


def _worker_ready() -> int:
    """Run by a worker as its first task: it has started and built its Enricher."""
    return 1


def _compact(rows: pa.RecordBatch) -> pa.RecordBatch:
    """A copy of a slice with its own buffers: pickling a slice ships the whole table's buffers (32 MB a
    batch on a 60,000-item night, against about 1 MB for its own rows)."""
    return rows.take(pa.array(range(rows.num_rows), pa.int64()))


def _enrich_in_worker(rows: pa.RecordBatch) -> dict[str, pa.Table | None]:
    assert _WORKER is not None, "the pool initializer builds the Enricher"
    return _WORKER.batch(rows)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start processes without re-importing the caller's main module in them.

    multiprocessing imports `__main__` (the CLI, an Airflow task runner, a benchmark) in every new worker,
    which costs more than the work it would do on a night; the workers need nothing from it.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def worker_count(items: int) -> int:
    """How many processes enrich `items` pending items: 1 below POOL_MIN_ITEMS, else one per core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 1 if items < POOL_MIN_ITEMS else max(1, cores)


def enriched_batches(pending: pa.Table, registry: Registry, workers: int = 1) -> Iterator[dict]:
    """`Enricher.batch` over `pending` in BATCH-row batches, results in order, in `workers` processes.

    With more than one, this process is one of them and works from the front; a pool worker, once it
    has started, takes batches from the back. Nothing waits for a worker that is still starting (that
    takes seconds on a busy machine): this process then simply does more of the batches.
    """
    batches = pending.to_batches(max_chunksize=BATCH)
    if workers <= 1:
        enricher = Enricher(registry)
        for rows in batches:
            yield enricher.batch(rows)
        return
    # forkserver: workers start from a clean process, not a fork of a caller holding DuckDB and threads
    pool = ProcessPoolExecutor(
        workers - 1, mp_context=get_context("forkserver"), initializer=_start_worker, initargs=(registry,)
    )
    try:
        with _main_module_hidden():  # the workers start on the first submit
            starting = {pool.submit(_worker_ready) for _ in range(workers - 1)}
        enricher = Enricher(registry)  # built here while the workers start (and build theirs)
        handed: dict[Future, int] = {}  # task -> batch index
        results: dict[int, dict] = {}
        ready, back = 0, len(batches) - 1  # started workers; batches after `back` are handed to workers
        for index in range(len(batches)):
            while index not in results:
                for future in [f for f in starting if f.done()]:
                    starting.discard(future)
                    ready += future.result()
                for future in [f for f in handed if f.done()]:
                    results[handed.pop(future)] = future.result()
                # each started worker holds up to WORKER_QUEUE batches, so it never waits for this
                # process to look up from its own batch before it gets the next one
                while len(handed) < ready * WORKER_QUEUE and back > index:
                    handed[pool.submit(_enrich_in_worker, _compact(batches[back]))] = back
                    back -= 1
                if index in results:
                    break
                if index <= back:
                    results[index] = enricher.batch(batches[index])
                else:  # a worker has it: wait for that worker, or any other
                    wait(handed, return_when=FIRST_COMPLETED)
            yield results.pop(index)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a worker still starting exits on its own
