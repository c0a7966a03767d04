-- materialized: incremental
-- unique_key: text_key
-- chunk_items: 3500000
-- (keys and days only: at 10M items, 3 chunks took 9.6-9.8 s where 5 of 2M took 10.2-10.3 s)
-- Syndication: items whose opening text (lead, else title) is the same after normalising case,
-- punctuation and spacing (`text_key`, stored once per item in int_items_text_keys), published within 3 days of the first, are copies
-- of one story; the earliest is the original. One row per deduplicated item; the windows carry keys only.
with items as (
    select item_id, source_id, reported_at, reported_date, text_key
    from intermediate.int_items_deduplicated
    where in_scope(text_key)
),

windowed as (
    select
        *,
        -- a text seen again more than 3 days after its first appearance starts a new story
        floor(epoch(reported_at - min(reported_at) over (partition by text_key)) / (3 * 86400)) as text_window
    from items
),

final as (
    select
        * exclude (text_window),
        first_value(item_id) over story as story_id,
        count(*) over story as story_copies
    from windowed
    window story as (
        partition by text_key, text_window order by reported_at, item_id
        rows between unbounded preceding and unbounded following
    )
)

select *, item_id = story_id as is_original from final
