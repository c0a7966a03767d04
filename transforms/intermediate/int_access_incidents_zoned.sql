-- One row per dataset incident and zone: placed by its location, admin-1 area or named area when those
-- name a zone alias in the incident's country; country-wide outages count for every zone of the country.
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

country_wide as (
    select distinct i.incident_id, z.zone_id
    from incidents as i
    inner join staging.stg_zones as z on list_contains(z.countries, i.country)
    where i.incident_kind = 'outage' and i.incident_id not in (select incident_id from by_name)
),

final as (
    select i.*, p.zone_id
    from incidents as i
    inner join (select * from by_name union all select * from country_wide) as p using (incident_id)
)

select * from final
