-- One row per denial claim found in a deduplicated item (frame, speaker, target, sentence), and whether it
-- counts for the narrative component: said by an official or state voice (is_official), or said with no
-- voice named in an item of a state-affiliated outlet, whose own voice it then is. The one definition of
-- a counted claim; int_items_in_zones and fct_claims read it.
with claims as (
    select * from intermediate.int_items_with_claims
),

stories as (
    select item_id, source_id from intermediate.int_stories_clustered
),

sources as (
    select source_id, is_state_affiliated from staging.stg_sources
),

final as (
    select
        c.item_id,
        c.frame,
        c.speaker_type,
        c.speaker,
        c.target_type,
        c.sentence,
        c.in_title,
        c.is_official,
        coalesce(s.is_state_affiliated, false) as is_state_affiliated,
        c.is_official or (c.speaker_type is null and coalesce(s.is_state_affiliated, false)) as is_counted
    from claims as c
    inner join stories as t using (item_id)
    left join sources as s using (source_id)
)

select * from final
