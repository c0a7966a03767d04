-- One row per zone and each zone it lies within, itself included: a zone lies within itself and its
-- country zone. What is placed in a zone is also placed in every zone it lies within.
with zones as (
    select zone_id, parent_zone_id from staging.stg_zones
),

final as (
    select zone_id, zone_id as within_zone_id from zones
    union all
    select zone_id, parent_zone_id as within_zone_id from zones where parent_zone_id is not null
)

select * from final
