-- One row per source and zone it covers: its focus zones and the zones they lie within (a source on
-- Rakhine covers Myanmar too), or every zone for a source with none.
with sources as (
    select * from staging.stg_sources where source_kind <> 'dataset'
),

zones as (
    select zone_id from staging.stg_zones
),

focus as (
    select distinct s.source_id, l.within_zone_id as zone_id
    from sources as s, unnest(s.focus_zones) as f(zone_id)
    inner join intermediate.int_zone_lineage as l on l.zone_id = f.zone_id
),

final as (
    select s.source_id, z.zone_id
    from sources as s
    cross join zones as z
    where len(s.focus_zones) = 0
    union all
    select source_id, zone_id from focus
)

select * from final
