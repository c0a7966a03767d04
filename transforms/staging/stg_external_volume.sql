-- One row per source, series, country and day (per report for ReliefWeb): the newest value collected.
with source as (
    select * from raw.external_volume
),

final as (
    select
        source_id,
        dataset_format,
        series,
        upper(country) as country,
        day,
        value,
        total
    from source
    qualify row_number() over (
        partition by source_id, series, country, day, case when series = 'reliefweb_reports' then volume_id end
        order by source_modified_at desc nulls last, collected_at desc nulls last, row_position desc nulls last,
            loaded_at desc, volume_id
    ) = 1
)

select * from final
