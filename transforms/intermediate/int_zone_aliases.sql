-- One row per zone and alias (lower case, every language), to place dataset records by name.
with zones as (
    select zone_id, countries, aliases_json from staging.stg_zones
),

final as (
    select distinct
        zone_id,
        countries,
        lower(unnest(flatten(map_values(cast(aliases_json::json as map(varchar, varchar[])))))) as alias
    from zones
)

select * from final
