-- materialized: incremental
-- unique_key: canonical_url
-- One row per canonical URL: the same article reached through two sources or runs counts once
-- (the earliest report keeps it). Only the columns later models read are kept.
with items as not materialized (
    select * from staging.stg_items
    where not $is_incremental or canonical_url in (select canonical_url from incremental_scope)
),

-- most URLs occur once: only repeated ones are ranked, and over keys only (the wide columns stay put)
repeated_urls as (
    select canonical_url from items group by canonical_url having count(*) > 1
),

later_reports as (
    select item_id
    from items
    where canonical_url in (select canonical_url from repeated_urls)
    qualify row_number() over (partition by canonical_url order by reported_at, item_id) > 1
),

final as (
    select
        item_id,
        source_id,
        canonical_url,
        url,
        title,
        language,
        published_at,
        reported_at,
        reported_date,
        text_key
    from items
    anti join later_reports using (item_id)
)

select * from final
