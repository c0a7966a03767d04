-- One row per zone in the registry.
with source as (
    select * from raw.registry_zones
),

final as (
    select
        zone_id,
        name as zone_name,
        countries,
        aliases_json
    from source
)

select * from final
