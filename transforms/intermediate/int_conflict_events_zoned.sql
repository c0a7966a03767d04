-- One row per conflict event and zone, placed as the access incidents are (int_access_incidents_zoned):
-- by its own place fields through intermediate.int_place_zones, else in its country's zone.
with events as (
    select * from staging.stg_conflict_events
),

by_place as (
    select e.event_id, p.zone_id, p.placed_by
    from events as e
    inner join intermediate.int_place_zones as p
        on p.country = e.country
        and p.admin1 is not distinct from e.admin1
        and p.location is not distinct from e.location
),

country_level as (
    select e.event_id, z.zone_id, 'country' as placed_by
    from events as e
    inner join staging.stg_zones as z on z.level = 'country' and list_contains(z.countries, e.country)
    where e.event_id not in (select event_id from by_place)
),

final as (
    select e.*, p.zone_id, p.placed_by
    from events as e
    inner join (select * from by_place union select * from country_level) as p using (event_id)
)

select * from final
