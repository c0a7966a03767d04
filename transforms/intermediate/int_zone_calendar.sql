-- One row per zone per day, from the day the zone is monitored from (at most two years back) to the run date.
-- A zone is monitored from its first story, or from the first successful fetch of an enabled source that
-- covers it, whichever comes first: a zone added to the registry later, or whose first source is switched on
-- later, starts its own calendar then, never with leading zeros from the warehouse's first day.
with items as (
    select * from intermediate.int_items_in_zones
),

coverage as (
    select * from intermediate.int_source_zone_coverage
),

sources as (
    select source_id from staging.stg_sources where is_enabled
),

fetches as (
    select source_id, started_at from staging.stg_fetch_events
    where error is null and started_at < timezone('UTC', ($run_date::date + 1)::timestamp)
),

zones as (
    select zone_id from staging.stg_zones
),

first_story as (
    select zone_id, min(reported_date) as first_day
    from items
    where reported_date <= $run_date::date
    group by zone_id
),

first_fetch as (
    select c.zone_id, cast(timezone('UTC', min(f.started_at)) as date) as first_day
    from coverage as c
    inner join sources as s on s.source_id = c.source_id
    inner join fetches as f on f.source_id = c.source_id
    group by c.zone_id
),

monitored as (
    select
        z.zone_id,
        greatest(
            coalesce(least(st.first_day, ff.first_day), st.first_day, ff.first_day, $run_date::date),
            $run_date::date - 730
        ) as monitored_from
    from zones as z
    left join first_story as st on st.zone_id = z.zone_id
    left join first_fetch as ff on ff.zone_id = z.zone_id
),

final as (
    select m.zone_id, cast(d.day as date) as day, m.monitored_from
    from monitored as m
    cross join range(m.monitored_from, $run_date::date + 1, interval 1 day) as d(day)
)

select * from final
