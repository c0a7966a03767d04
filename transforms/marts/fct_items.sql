-- materialized: incremental
-- unique_key: item_id
-- joins: as_written
-- One row per deduplicated item, with its source, story, dateline, frames and best zone.
with stories as (
    select item_id, source_id, reported_date, story_id, is_original, story_copies
    from intermediate.int_stories_clustered
    where in_scope(item_id)
),

items as (
    -- the wide columns straight from staging: the deduplicated item is the inner join with its story
    -- (which carries the source and day already, so only the columns it lacks are read here)
    select item_id, url, canonical_url, title, language, published_at
    from staging.stg_items
    where in_scope(item_id)
),

sources as (
    select * from staging.stg_sources
),

datelines as (
    select item_id, dateline_place, dateline_country, dateline_agency, dateline_zone_id
    from intermediate.int_items_with_datelines
    where in_scope(item_id)
),

frames as (
    -- the frames of the item's claims that count (intermediate.int_claims)
    select item_id, list(distinct frame order by frame) as frames
    from intermediate.int_claims
    where is_counted and in_scope(item_id)
    group by item_id
),

covered as (
    -- the item's language has a frames lexicon: it counts in the frame share's denominator
    select item_id, claims_covered
    from intermediate.int_items_enriched
    where in_scope(item_id)
),

incidents as (
    select item_id, list(distinct incident_kind order by incident_kind) as incident_kinds
    from intermediate.int_items_with_incidents
    where in_scope(item_id)
    group by item_id
),

zones as (
    -- the best zone: the tagger numbers an item's zones 1, 2, ... best first, so rank 1 is one row per item
    select item_id, zone_id as best_zone_id
    from intermediate.int_items_tagged_to_zones
    where rank = 1 and in_scope(item_id)
),

final as (
    select
        t.item_id,
        t.source_id,
        s.tier,
        coalesce(s.is_independent, true) as is_independent,
        coalesce(s.is_state_affiliated, false) as is_state_affiliated,
        t.story_id,
        t.is_original,
        t.story_copies,
        i.url,
        i.canonical_url,
        i.title,
        i.language,
        i.published_at,
        t.reported_date,
        z.best_zone_id,
        d.dateline_place,
        d.dateline_country,
        d.dateline_agency,
        d.dateline_zone_id,
        coalesce(f.frames, []) as frames,
        coalesce(v.claims_covered, false) as is_claims_covered,
        coalesce(n.incident_kinds, []) as incident_kinds
    from stories as t
    inner join items as i using (item_id)
    left join sources as s using (source_id)
    left join datelines as d using (item_id)
    left join frames as f using (item_id)
    left join covered as v using (item_id)
    left join incidents as n using (item_id)
    left join zones as z using (item_id)
)

select * from final
