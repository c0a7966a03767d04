-- One row per conflict event record (ACLED, UCDP), newest version of each record.
with source as (
    select * from raw.conflict_events
),

final as (
    select
        event_id,
        source_id,
        dataset_format,
        coalesce(record_key, event_id) as record_key,
        event_type,
        upper(country) as country,
        admin1,
        location,
        occurred_on,
        coalesce(fatalities, 0) as fatalities,
        actor1,
        actor2
    from source
    qualify row_number() over (
        partition by source_id, coalesce(record_key, event_id) order by source_modified_at desc nulls last, collected_at desc nulls last, row_position desc nulls last,
            loaded_at desc, event_id
    ) = 1
)

select * from final
