-- One row per zone: its name, countries, level ('country' or 'zone') and parent (the country zone of a zone), the day it is monitored from (its calendar's first day) and the
-- earliest day a reporting_drop test can run for it (after the detector's warm-up, $alert_warm_up_days).
with zones as (
    select * from staging.stg_zones
),

calendar as (
    select zone_id, min(monitored_from) as monitored_from
    from intermediate.int_zone_calendar
    group by zone_id
),

final as (
    select
        z.zone_id,
        z.zone_name,
        z.countries,
        z.level,
        z.parent_zone_id,
        c.monitored_from,
        cast(c.monitored_from + $alert_warm_up_days::integer as date) as first_test_on
    from zones as z
    left join calendar as c on c.zone_id = z.zone_id
)

select * from final
