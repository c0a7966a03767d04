-- One row per dataset incident and zone: placed by its location, admin-1 area or named area when those
-- name a zone alias in the incident's country, and then also in the country zone above that zone. An
-- incident no alias places counts for its country's zone; a country-wide outage counts for every zone of
-- the country.
with incidents as (
    select * from staging.stg_access_incidents
),

aliases as (
    select * from intermediate.int_zone_aliases
),

by_name as (
    select distinct i.incident_id, a.zone_id
    from incidents as i
    inner join aliases as a
        on list_contains(a.countries, i.country)
        and (lower(i.location) = a.alias or lower(i.admin1) = a.alias)
),

placed as (
    select distinct b.incident_id, l.within_zone_id as zone_id
    from by_name as b
    inner join intermediate.int_zone_lineage as l using (zone_id)
),

unplaced as (
    select * from incidents where incident_id not in (select incident_id from by_name)
),

country_level as (
    select u.incident_id, z.zone_id
    from unplaced as u
    inner join staging.stg_zones as z on z.level = 'country' and list_contains(z.countries, u.country)
),

country_wide as (
    select u.incident_id, z.zone_id
    from unplaced as u
    inner join staging.stg_zones as z on list_contains(z.countries, u.country)
    where u.incident_kind = 'outage'
),

final as (
    select i.*, p.zone_id
    from incidents as i
    inner join (
        select * from placed union select * from country_level union select * from country_wide
    ) as p using (incident_id)
)

select * from final
