-- One row per request: the error class, with 304 counted as a success.
with source as (
    select * from raw.fetch_events
),

final as (
    select
        event_id,
        source_id,
        url,
        started_at,
        data_date,
        http_status,
        bytes,
        coalesce(items, 0) as items,
        error,
        error_detail,
        coalesce(is_not_modified, false) as is_not_modified,
        error is null as is_success,
        run_id
    from source
)

select * from final
