-- materialized: incremental
-- unique_key: item_id
-- chunk_items: 3500000
-- (narrow rows: at 10M items, 3 chunks took 10.4-10.7 s where 5 of 2M took 11.7-11.9 s)
-- joins: as_written
-- One row per item and zone it is about (tag score at or above $min_zone_tag_score), with where its
-- dateline places the reporter: inside the zone, outside it, or no dateline.
with items as (
    select item_id, story_id, is_original, source_id, reported_date
    from intermediate.int_stories_clustered
    where in_scope(item_id)
),

tags as (
    select item_id, zone_id
    from intermediate.int_items_tagged_to_zones
    where score >= $min_zone_tag_score
        and in_scope(item_id)
),

datelines as (
    select item_id, dateline_place, dateline_zone_id
    from intermediate.int_items_with_datelines
    where in_scope(item_id)
),

sources as (
    select * from staging.stg_sources
),

-- a dateline in a zone is inside that zone and inside the zones it lies within (its country zone)
dateline_within as (
    select d.item_id, l.within_zone_id
    from datelines as d
    inner join intermediate.int_zone_lineage as l on l.zone_id = d.dateline_zone_id
),

frames as (
    -- items with a denial claim that counts (intermediate.int_claims says which)
    select distinct item_id
    from intermediate.int_claims
    where is_counted and in_scope(item_id)
),

covered as (
    -- items in a language the frames lexicon reads: the denominator of the frame share
    select item_id
    from intermediate.int_items_enriched
    where claims_covered and in_scope(item_id)
),

incidents as (
    select distinct item_id
    from intermediate.int_items_with_incidents
    where in_scope(item_id)
),

final as (
    select
        t.zone_id,
        i.item_id,
        i.story_id,
        i.is_original,
        i.source_id,
        i.reported_date,
        coalesce(s.is_independent, true) as is_independent,
        coalesce(s.is_state_affiliated, false) as is_state_affiliated,
        coalesce(s.is_ngo_un, false) as is_ngo_un,
        d.dateline_place is not null as has_dateline,
        w.item_id is not null as is_inside_dateline,
        d.dateline_place is not null and w.item_id is null as is_outside_dateline,
        f.item_id is not null as has_frame,
        v.item_id is not null as is_claims_covered,
        n.item_id is not null as mentions_incident
    from items as i
    inner join tags as t using (item_id)
    left join datelines as d using (item_id)
    left join dateline_within as w on w.item_id = i.item_id and w.within_zone_id = t.zone_id
    left join sources as s using (source_id)
    left join frames as f using (item_id)
    left join covered as v using (item_id)
    left join incidents as n using (item_id)
)

select * from final
