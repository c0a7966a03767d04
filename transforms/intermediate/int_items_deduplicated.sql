-- materialized: incremental
-- unique_key: canonical_url
-- chunk_items: 0
-- One row per canonical URL: the same article reached through two sources or runs counts once
-- (the earliest report keeps it). Keys only: fct_items reads the wide columns (url, title) from staging once.
-- It reads int_items_text_keys alone: each item's URL, day, source and story key, computed once per item
-- when it was enriched (transforms/text_keys.py), so no text is read or normalised here.
-- `not materialized`: each use scans the table for the columns it needs; DuckDB otherwise materialised the
-- three uses' CTE (10M rows, URLs included) and scanned that copy three times (a full build at 10M items:
-- 11.8 s against 6.4 s).
with keys as not materialized (
    select item_id, source_id, canonical_url, reported_at, reported_date, text_key
    from intermediate.int_items_text_keys
    where in_scope(canonical_url)
),

-- Most URLs occur once, so a full build ranks only repeated ones. They are found by a 64-bit hash of the
-- URL (a fixed-width key keeps the 10M-group count small); a collision only ranks a few more rows, never
-- wrongly.
repeated_urls as (
    select hash(canonical_url) as url_hash
    from keys
    where not merging()
    group by url_hash
    having count(*) > 1
),

single_reports as (
    select *
    from keys
    where not merging()
        and hash(canonical_url) not in (select url_hash from repeated_urls)
),

-- the earliest report of each repeated URL; a merge ranks its few thousand URLs' items in one pass
first_reports as (
    select *
    from keys
    where merging() or hash(canonical_url) in (select url_hash from repeated_urls)
    qualify row_number() over (partition by canonical_url order by reported_at, item_id) = 1
),

final as (
    select * from single_reports
    union all
    select * from first_reports
)

select * from final
