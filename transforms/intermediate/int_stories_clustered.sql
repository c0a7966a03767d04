-- Syndication: items whose opening text (lead, else title) is the same after normalising case,
-- punctuation and spacing, published within 3 days of the first, are copies of one story;
-- the earliest is the original.
with items as (
    select * from intermediate.int_items_deduplicated
),

keyed as (
    select
        *,
        md5(left(trim(regexp_replace(lower(coalesce(lead_text, title, canonical_url)), '[^\p{L}\p{N}]+', ' ', 'g')), 240))
            as text_key
    from items
),

windowed as (
    select
        *,
        -- a text seen again more than 3 days after its first appearance starts a new story
        floor(epoch(reported_at - min(reported_at) over (partition by text_key)) / (3 * 86400)) as text_window
    from keyed
),

final as (
    select
        * exclude (text_key, text_window),
        first_value(item_id) over story as story_id,
        count(*) over story as story_copies
    from windowed
    window story as (partition by text_key, text_window order by reported_at, item_id)
)

select *, item_id = story_id as is_original from final
