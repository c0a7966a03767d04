-- materialized: incremental
-- unique_key: canonical_url
-- chunked: false
-- One row per canonical URL: the same article reached through two sources or runs counts once
-- (the earliest report keeps it). Keys only: fct_items reads the wide columns (url, title) from staging once.
-- Only the winners' columns are read, after the rows are chosen (a full build drops the later reports, a
-- merge fetches its few winners by item_id, a filter the scan applies before it reads the other columns).
with keys as not materialized (
    select item_id, canonical_url, reported_at
    from staging.stg_items
    where in_scope(canonical_url)
),

-- Most URLs occur once, so only repeated ones are ranked. They are found by a 64-bit hash of the URL (a
-- fixed-width key keeps the 10M-group count small); a collision only ranks a few more rows, never wrongly.
repeated_urls as (
    select hash(canonical_url) as url_hash from keys group by url_hash having count(*) > 1
),

later_reports as (
    select item_id
    from keys
    where hash(canonical_url) in (select url_hash from repeated_urls)
        and not merging()
    qualify row_number() over (partition by canonical_url order by reported_at, item_id) > 1
),

-- a merge ranks its few thousand URLs' items in one pass over the keys
merged_winners as (
    select item_id
    from keys
    where merging()
    qualify row_number() over (partition by canonical_url order by reported_at, item_id) = 1
),

winners as (
    select * from staging.stg_items
    anti join later_reports using (item_id)
    where not merging()
    union all by name
    select * from staging.stg_items
    where merging() and item_id in (select item_id from merged_winners)
),

-- each item's syndication key, computed once when it was enriched (transforms/text_keys.py)
text_keys as (
    select item_id, text_key from intermediate.int_items_text_keys
),

final as (
    select
        item_id,
        source_id,
        canonical_url,
        reported_at,
        reported_date,
        text_key
    from winners
    inner join text_keys using (item_id)
)

select * from final
