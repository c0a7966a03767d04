-- One row per dataset incident and zone: placed by its own place fields (location, else admin-1 area) when
-- the zone tagger finds a zone of the incident's country in them (intermediate.int_place_zones), with the
-- zones that zone lies within. An incident its fields do not place counts for its country's zone; a
-- country-wide outage counts for every zone of the country. `placed_by` says which: location, admin1,
-- country or country_wide.
with incidents as (
    select * from staging.stg_access_incidents
),

by_place as (
    select i.incident_id, p.zone_id, p.placed_by
    from incidents as i
    inner join intermediate.int_place_zones as p
        on p.country = i.country
        and p.admin1 is not distinct from i.admin1
        and p.location is not distinct from i.location
),

unplaced as (
    select * from incidents where incident_id not in (select incident_id from by_place)
),

country_level as (
    select u.incident_id, z.zone_id, 'country' as placed_by
    from unplaced as u
    inner join staging.stg_zones as z on z.level = 'country' and list_contains(z.countries, u.country)
),

country_wide as (
    select u.incident_id, z.zone_id, 'country_wide' as placed_by
    from unplaced as u
    inner join staging.stg_zones as z on z.level <> 'country' and list_contains(z.countries, u.country)
    where u.incident_kind = 'outage'
),

final as (
    select i.*, p.zone_id, p.placed_by
    from incidents as i
    inner join (
        select * from by_place union select * from country_level union select * from country_wide
    ) as p using (incident_id)
)

select * from final
