-- One row per canonical URL: the same article reached through two sources or runs counts once
-- (the earliest report keeps it).
with items as (
    select * from staging.stg_items
),

final as (
    select *
    from items
    qualify row_number() over (partition by canonical_url order by reported_at, item_id) = 1
)

select * from final
