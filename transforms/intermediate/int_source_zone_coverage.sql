-- One row per source and zone it covers: its focus zones, or every zone for a source with none.
with sources as (
    select * from staging.stg_sources where source_kind <> 'dataset'
),

zones as (
    select zone_id from staging.stg_zones
),

final as (
    select s.source_id, z.zone_id
    from sources as s
    inner join zones as z on len(s.focus_zones) = 0 or list_contains(s.focus_zones, z.zone_id)
)

select * from final
