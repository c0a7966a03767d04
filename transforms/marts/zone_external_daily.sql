-- One row per zone, day, series and source: the outside series collected, to compare the attention a zone
-- gets elsewhere with the reporting counted here. GDELT volume is queried per zone (series
-- "gdelt_volume:<zone_id>", scope zone); IODA connectivity signals and ReliefWeb report counts are per
-- country and repeated for every zone of the country (scope country). Press-freedom scores are yearly and
-- live in zone_access_daily.
with volume as (
    select * from staging.stg_external_volume
    where series <> 'rsf_score' and day <= $run_date::date
),

zone_country as (
    select zone_id, unnest(countries) as country from staging.stg_zones
),

per_zone as (
    select
        split_part(series, ':', 2) as zone_id,
        day,
        split_part(series, ':', 1) as series,
        source_id,
        'zone' as scope,
        sum(value) as value,
        max(total) as total
    from volume
    where series like '%:%'
    group by all
),

per_country as (
    select
        z.zone_id,
        v.day,
        v.series,
        v.source_id,
        'country' as scope,
        sum(v.value) as value,
        max(v.total) as total
    from volume as v
    inner join zone_country as z using (country)
    where v.series not like '%:%'
    group by all
),

final as (
    select * from per_zone where zone_id in (select zone_id from staging.stg_zones)
    union all
    select * from per_country
)

select * from final
