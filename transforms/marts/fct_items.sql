-- One row per deduplicated item, with its source, story, dateline, frames and best zone.
with items as (
    select * from intermediate.int_stories_clustered
),

sources as (
    select * from staging.stg_sources
),

datelines as (
    select * from intermediate.int_items_with_datelines
),

frames as (
    select item_id, list(frame order by frame) as frames
    from intermediate.int_items_with_frames group by item_id
),

incidents as (
    select item_id, list(distinct incident_kind order by incident_kind) as incident_kinds
    from intermediate.int_items_with_incidents group by item_id
),

zones as (
    select item_id, zone_id as best_zone_id
    from intermediate.int_items_tagged_to_zones
    qualify row_number() over (partition by item_id order by rank, zone_id) = 1
),

final as (
    select
        i.item_id,
        i.source_id,
        s.tier,
        coalesce(s.is_independent, true) as is_independent,
        coalesce(s.is_state_affiliated, false) as is_state_affiliated,
        i.story_id,
        i.is_original,
        i.story_copies,
        i.url,
        i.title,
        i.language,
        i.published_at,
        i.reported_date,
        z.best_zone_id,
        d.dateline_place,
        d.dateline_country,
        d.dateline_agency,
        d.dateline_zone_id,
        coalesce(f.frames, []) as frames,
        coalesce(n.incident_kinds, []) as incident_kinds
    from items as i
    left join sources as s using (source_id)
    left join datelines as d using (item_id)
    left join frames as f using (item_id)
    left join incidents as n using (item_id)
    left join zones as z using (item_id)
)

select * from final
