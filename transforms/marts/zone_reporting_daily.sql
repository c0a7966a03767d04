-- One row per zone per day (calendar zero-filled): items, independent stories, outlets, datelines,
-- state and NGO/UN items, frames, and the collection health of the sources covering the zone.
-- Ratios are rounded to 6 decimals: parallel float sums differ in the last bits, and a re-run must be identical.
with calendar as (
    select * from intermediate.int_zone_calendar
),

zone_items as (
    select * from intermediate.int_items_in_zones
),

outlet_counts as (
    select zone_id, reported_date as day, source_id, count(*) as n
    from zone_items where is_independent and is_original group by all
),

diversity as (
    select zone_id, day, exp(-sum((n / total) * ln(n / total))) as outlet_diversity
    from (select *, sum(n) over (partition by zone_id, day) as total from outlet_counts)
    group by all
),

counts as (
    select
        zone_id,
        reported_date as day,
        count(*) as items_total,
        count(*) filter (where is_independent) as independent_items,
        count(*) filter (where is_independent and is_original) as independent_stories,
        count(distinct source_id) filter (where is_independent) as independent_outlets,
        count(*) filter (where is_independent and is_original and is_inside_dateline) as inside_dateline_stories,
        count(*) filter (where is_independent and is_original and is_outside_dateline) as outside_dateline_stories,
        count(*) filter (where is_state_affiliated) as state_items,
        count(*) filter (where is_ngo_un) as ngo_un_items,
        count(*) filter (where is_claims_covered) as claims_covered_items,
        count(*) filter (where has_frame) as frame_items,
        count(*) filter (where has_frame and is_state_affiliated) as state_frame_items,
        count(*) filter (where mentions_incident and is_independent and is_original) as incident_stories
    from zone_items group by all
),

health as (
    select
        c.zone_id,
        h.day,
        sum(h.fetches) as fetches,
        sum(h.failures) as failed_fetches,
        count(*) filter (where h.failures = h.fetches) as sources_failing,
        count(*) as sources_collected
    from intermediate.int_source_zone_coverage as c
    inner join marts.source_health_daily as h using (source_id)
    group by all
),

final as (
    select
        k.zone_id,
        k.day,
        coalesce(c.items_total, 0) as items_total,
        coalesce(c.independent_items, 0) as independent_items,
        coalesce(c.independent_stories, 0) as independent_stories,
        coalesce(c.independent_outlets, 0) as independent_outlets,
        round(coalesce(d.outlet_diversity, 0), 6) as outlet_diversity,
        coalesce(c.inside_dateline_stories, 0) as inside_dateline_stories,
        coalesce(c.outside_dateline_stories, 0) as outside_dateline_stories,
        coalesce(c.state_items, 0) as state_items,
        coalesce(c.ngo_un_items, 0) as ngo_un_items,
        coalesce(c.claims_covered_items, 0) as claims_covered_items,
        coalesce(c.frame_items, 0) as frame_items,
        coalesce(c.state_frame_items, 0) as state_frame_items,
        coalesce(c.incident_stories, 0) as incident_stories,
        h.fetches,
        h.failed_fetches,
        h.sources_failing,
        h.sources_collected,
        round(case when h.fetches > 0 then 1.0 - h.failed_fetches / h.fetches end, 6) as collection_health
    from calendar as k
    left join counts as c using (zone_id, day)
    left join diversity as d using (zone_id, day)
    left join health as h using (zone_id, day)
)

select * from final order by zone_id, day
