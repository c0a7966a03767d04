"""Synthetic items for the benchmarks: ~10M articles from the demo's sentences, written into raw.items in SQL.

bench/transform.py times the transforms on them; bench/enrich.py takes its templates. The templates are 360
articles (en/fr/ar) from the demo's sentences, with real zone, town and capital names, datelines, frames and
incidents, and what enrichment would find in each; add_items turns them into N items over a span of days by
one vectorised insert ... select over range(N), with the nights' fetch events, and optionally pre-fills the
enrichment tables from the templates (see bench/transform.py's step 1).
"""

from __future__ import annotations

import random
import time
from datetime import date

import duckdb
import pyarrow as pa

from blindspot.demo import text
from blindspot.demo.scenario import Scenario
from core.registry import Registry
from transforms.intermediate import int_items_enriched
from transforms.intermediate import int_items_text_keys as text_keys
from transforms.runner import discover

START = date(2026, 1, 1)
TEMPLATES_PER_LANGUAGE = {"en": 200, "fr": 100, "ar": 60}
COPIES_PER_STORY = 2.0
FETCHES_PER_NIGHT = 4
SEED = 20261125


def make_templates(scenario: Scenario, sources: pa.Table, seed: int = SEED) -> pa.Table:
    """360 article templates from the demo's sentences, with what enrichment would find in each."""
    rng = random.Random(seed)
    countries = {c.code: c for c in scenario.countries}
    per_language = {
        lang: sum(1 for v in sources.column("language").to_pylist() if v == lang)
        for lang in TEMPLATES_PER_LANGUAGE
    }
    rows, g = [], 0
    for lang, count in TEMPLATES_PER_LANGUAGE.items():
        for k in range(count):
            zone = scenario.zones[k % len(scenario.zones)]
            town = rng.choice(zone.towns).name.get(lang)
            person = f"{rng.choice(text.FIRST_NAMES[lang])} {rng.choice(text.LAST_NAMES[lang])}"
            fill = {
                "n": rng.randint(2, 59),
                "town": town,
                "region": zone.region.get(lang),
                "weekday": rng.choice(text.WEEKDAYS[lang]),
                "person": person,
                "PERSON": person.upper(),
                "role": rng.choice(text.ROLES[lang]),
                "ordinal": rng.choice(text.ORDINALS["en"]),
                "country": countries[zone.country].name.get(lang),
            }
            place = country = zone_id = None
            r = rng.random()
            if r < 0.8:  # a dateline: inside the zone (the town) or outside (a neighbour's capital)
                if r < 0.4:
                    place, country, zone_id = town, zone.country, zone.id
                else:
                    neighbour = countries[rng.choice(zone.neighbours)]
                    place, country = neighbour.capital.get(lang), neighbour.code
            prefix = (
                text.DATELINE_PLAIN[lang].format(PLACE=(place or "").upper(), place=place) if place else ""
            )
            body = [rng.choice(text.NEUTRAL[lang]).format(**fill) for _ in range(rng.randint(2, 4))]
            frame = incident = None
            if g % 20 == 7:
                frame = sorted(text.FRAMES[lang])[g // 20 % len(text.FRAMES[lang])]
                body.insert(1, rng.choice(text.FRAMES[lang][frame]))
            if g % 100 == 42:
                incident = sorted(text.INCIDENTS[lang])[g // 100 % len(text.INCIDENTS[lang])]
                body.append(text.INCIDENTS[lang][incident].format(**fill))
            rows.append(
                {
                    "t": g,
                    "language": lang,
                    "n_sources": per_language[lang],
                    "title": text.TITLES[lang][k % len(text.TITLES[lang])].format(**fill),
                    "lead": prefix + text.LEADS[lang][k // 7 % len(text.LEADS[lang])].format(**fill),
                    "body": "\n\n".join(body),
                    "zone_id": zone.id,
                    "dateline_place": place,
                    "dateline_country": country,
                    "dateline_zone_id": zone_id,
                    "frame": frame,
                    "incident_kind": incident,
                }
            )
            g += 1
    return pa.Table.from_pylist(rows)


def item_sources(registry: Registry) -> pa.Table:
    """The feed/html sources writing in en/fr/ar, numbered within their language."""
    rows, seen = [], {lang: 0 for lang in TEMPLATES_PER_LANGUAGE}
    for s in sorted(registry.sources, key=lambda s: s.id):
        lang = s.languages[0]
        if s.kind in ("feed", "html") and lang in seen:
            rows.append({"source_id": s.id, "language": lang, "k": seen[lang]})
            seen[lang] += 1
    return pa.Table.from_pylist(rows)


def fetched_sources(registry: Registry) -> pa.Table:
    return pa.Table.from_pylist(
        [{"source_id": s.id, "url": s.url} for s in registry.sources if s.kind in ("feed", "html")]
    )


KEYS = """
create or replace temp table bench_keys as
with ids as (
    select i, $story0 + hash(i, 1) % $stories as s from range($first, $first + $items) as r(i)
)
select
    i,
    left(md5('item-' || i), 20) as item_id,
    s,
    (hash(s, 2) % $templates)::integer as t,
    $start::date + ($day0 + hash(s, 3) % $days)::integer as day
from ids
"""

ITEMS = """
insert into raw.items by name
with keyed as (
    select k.*, cast(k.day as timestamptz) as midnight
    from bench_keys as k
)
select
    k.item_id,
    src.source_id,
    'https://' || src.source_id || '.example.org/' || strftime(k.day, '%Y/%m/%d') || '/' || k.i
        || '?utm_source=rss' as url,
    -- ~1% of items are the article of the item before them, reached again (int_items_deduplicated)
    'https://news.example.org/a/' || case when hash(k.i, 9) % 100 = 0 then k.i - 1 else k.i end
        as canonical_url,
    tp.title,
    null as summary,
    tp.body as body_text,
    -- copies of a story share the lead (syndication); the story number keeps stories apart
    tp.lead || ' Ref. ' || k.s || '.' as lead_text,
    tp.language,
    null as author,
    case when hash(k.i, 7) % 50 <> 0 then
        k.midnight + to_seconds((5 * 3600 + hash(k.s, 5) % (12 * 3600) + hash(k.i, 6) % (5 * 3600))::bigint)
    end as published_at,
    k.midnight + to_seconds((23 * 3600 + hash(k.i, 8) % 3500)::bigint) as fetched_at,
    'bench-' || strftime(k.day, '%Y%m%d') as run_id,
    k.day as data_date,
    k.midnight + interval 1 day as loaded_at
from keyed as k
inner join bench_templates as tp using (t)
inner join bench_sources as src on src.language = tp.language and src.k = hash(k.i, 4) % tp.n_sources
"""

FETCH_EVENTS = """
insert into raw.fetch_events by name
with grid as (
    select s.source_id, s.url, $start::date + d.d::integer as day, f.f, hash(s.source_id, d.d, f.f) % 100 as e
    from bench_fetched as s
    cross join range($day0, $day0 + $days) as d(d)
    cross join range($fetches) as f(f)
)
select
    left(md5('fetch-' || source_id || '-' || day || '-' || f), 20) as event_id,
    source_id,
    url,
    cast(day as timestamptz) + interval 22 hour + to_minutes(f * 10) as started_at,
    50 + hash(source_id, day, f, 1) % 2000 as duration_ms,
    case when e < 3 then null when e < 13 then 304 else 200 end as http_status,
    case when e >= 13 then 20000 + hash(source_id, day, f, 2) % 200000 end as bytes,
    case when e >= 13 then 1 + hash(source_id, day, f, 3) % 60 else 0 end as items,
    case when e < 3 then 'timeout' end as error,
    case when e < 3 then 'read timed out after 30 s' end as error_detail,
    e between 3 and 12 as is_not_modified,
    null as etag,
    null as last_modified,
    'bench-' || strftime(day, '%Y%m%d') as run_id,
    day as data_date,
    cast(day as timestamptz) + interval 1 day as loaded_at
from grid
"""

PREFILL = {
    "int_items_enriched": "select k.item_id, tp.language in ('en', 'fr', 'es', 'ar', 'ru', 'uk') as claims_covered "
    "from bench_keys as k inner join bench_templates as tp using (t)",
    "int_items_tagged_to_zones": """
        select k.item_id, tp.zone_id, 3.0 as score, null as admin1_id, false as in_title,
               false as in_dateline, 0 as body_hits, 1 as rank
        from bench_keys as k inner join bench_templates as tp using (t)""",
    "int_items_with_datelines": """
        select k.item_id, tp.dateline_place, tp.dateline_country, null as dateline_agency,
               tp.dateline_zone_id, null as ambiguous_zone_id
        from bench_keys as k inner join bench_templates as tp using (t) where tp.dateline_place is not null""",
    "int_items_with_claims": """
        select k.item_id, tp.frame, 'government' as speaker_type, 'government' as speaker,
               'killings' as target_type, tp.frame || ' sentence' as sentence, false as in_title, true as is_official
        from bench_keys as k inner join bench_templates as tp using (t)
        where tp.frame is not null""",
    "int_items_with_incidents": """
        select k.item_id, tp.incident_kind from bench_keys as k inner join bench_templates as tp using (t)
        where tp.incident_kind is not null""",
}


def add_items(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    scenario: Scenario,
    *,
    first: int,
    items: int,
    story0: int,
    day0: int,
    days: int,
    prefill: bool,
) -> dict[str, float]:
    """Insert items first..first+items (and their nights' fetch events); optionally pre-fill enrichment."""
    sources = item_sources(registry)
    con.register("bench_sources", sources)
    con.register("bench_templates", make_templates(scenario, sources))
    con.register("bench_fetched", fetched_sources(registry))
    stories = max(1, round(items / COPIES_PER_STORY))
    timings = {}
    started = time.perf_counter()
    con.execute("begin transaction")
    con.execute(
        KEYS,
        {
            "first": first,
            "items": items,
            "story0": story0,
            "stories": stories,
            "templates": sum(TEMPLATES_PER_LANGUAGE.values()),
            "start": START,
            "day0": day0,
            "days": days,
        },
    )
    con.execute(ITEMS)
    con.execute(FETCH_EVENTS, {"start": START, "day0": day0, "days": days, "fetches": FETCHES_PER_NIGHT})
    con.execute("commit")
    timings["raw.items + raw.fetch_events"] = time.perf_counter() - started
    if prefill:
        started = time.perf_counter()
        con.execute("begin transaction")
        int_items_enriched.create_tables(con)
        for name in int_items_enriched.TABLES:
            con.execute(f"insert into intermediate.{name} by name {PREFILL[name]}")
        # what the model records after a run (int_items_enriched._save_state), read from raw.items: the first build
        # makes staging.stg_items, the view over it
        con.execute(
            f"insert into {int_items_enriched.STATE} select (select max(loaded_at) from raw.items), "
            "(select count(*) from intermediate.int_items_enriched)"
        )
        con.execute("commit")
        timings["enrichment tables (SQL pre-fill)"] = time.perf_counter() - started
        # the story text keys are SQL already: the model's own code computes them (and records its state)
        started = time.perf_counter()
        con.execute("begin transaction")
        stg_items = discover()["staging.stg_items"]
        con.execute(f"create or replace view {stg_items.relation} as {stg_items.sql}")
        text_keys.update(con)
        con.execute("commit")
        timings["story text keys (transforms.intermediate.int_items_text_keys.update)"] = (
            time.perf_counter() - started
        )
    con.execute("drop table bench_keys")
    for name in ("bench_sources", "bench_templates", "bench_fetched"):
        con.unregister(name)
    return timings
