-- One row per denial claim and zone its item is about: the evidence behind the frame shares. A claim is a
-- frame's wording in one sentence of a deduplicated item, with who says it and what it is about.
-- is_counted: the claim counts for frame_items and the narrative component (docs/methodology.md).
with claims as (
    select * from intermediate.int_claims
),

zone_items as (
    select zone_id, item_id, reported_date, source_id, is_original
    from intermediate.int_items_in_zones
),

items as (
    select item_id, canonical_url as url, title, language from staging.stg_items
),

final as (
    select
        z.zone_id,
        z.reported_date as day,
        z.source_id,
        z.is_original,
        c.*,  -- item_id, frame, speaker_type, speaker, target_type, sentence, in_title, is_official, is_state_affiliated, is_counted
        i.language,
        i.title,
        i.url
    from claims as c
    inner join zone_items as z using (item_id)
    inner join items as i using (item_id)
)

select * from final
order by zone_id, day, item_id, frame, sentence
