-- One row per zone per day, from the first reported day (at most two years back) to the run date.
with bounds as (
    -- the earliest report time, cast to its UTC day once (casting every item's time costs seconds at 10M)
    select
        greatest(
            coalesce(cast(timezone('UTC', min(reported_at)) as date), $run_date::date), $run_date::date - 730
        ) as first_day
    from staging.stg_items
    where reported_at < timezone('UTC', ($run_date::date + 1)::timestamp)
),

zones as (
    select zone_id from staging.stg_zones
),

final as (
    select z.zone_id, cast(d.day as date) as day
    from zones as z
    cross join bounds as b
    cross join range(b.first_day, $run_date::date + 1, interval 1 day) as d(day)
)

select * from final
