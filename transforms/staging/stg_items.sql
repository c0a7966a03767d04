-- One row per landed item: cast and normalise; the reporting day is the publication day (UTC),
-- or the day it was fetched when the source gave no date.
with source as (
    select * from raw.items
),

cleaned as (
    select
        *,
        nullif(trim(title), '') as clean_title,
        nullif(trim(lead_text), '') as clean_lead
    from source
),

final as (
    select
        item_id,
        source_id,
        url,
        canonical_url,
        clean_title as title,
        nullif(trim(summary), '') as summary,
        nullif(trim(body_text), '') as body_text,
        clean_lead as lead_text,
        lower(split_part(coalesce(language, ''), '-', 1)) as language,
        published_at,
        fetched_at,
        published_at is null as is_published_at_missing,
        coalesce(published_at, fetched_at) as reported_at,
        cast(timezone('UTC', coalesce(published_at, fetched_at)) as date) as reported_date,
        data_date,
        run_id,
        loaded_at
    from cleaned
)

select * from final
