-- One row per zone in the registry: a country zone (level 'country') or a zone inside one country, whose
-- parent_zone_id is that country's zone.
with source as (
    select * from raw.registry_zones
),

final as (
    select
        zone_id,
        name as zone_name,
        countries,
        coalesce(level, 'zone') as level,
        parent_zone_id,
        aliases_json
    from source
)

select * from final
