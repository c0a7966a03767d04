-- One row per source per night it was collected: fetches, failures, items, and days since its last new item.
with events as (
    select * from staging.stg_fetch_events where data_date <= $run_date::date
),

items as (
    select source_id, data_date, count(*) as new_items
    from staging.stg_items group by all
),

nights as (
    select
        source_id,
        data_date as day,
        count(*) as fetches,
        count(*) filter (where not is_success) as failures,
        count(*) filter (where is_not_modified) as not_modified,
        sum(items) as items_seen,
        any_value(error order by started_at desc) filter (where error is not null) as last_error
    from events group by all
),

final as (
    select
        n.source_id,
        n.day,
        n.fetches,
        n.failures,
        n.not_modified,
        n.items_seen,
        coalesce(i.new_items, 0) as new_items,
        n.last_error,
        1.0 - n.failures / n.fetches as success_share,
        n.day - max(case when coalesce(i.new_items, 0) > 0 then n.day end) over (
            partition by n.source_id order by n.day rows between unbounded preceding and current row
        ) as days_since_new_item
    from nights as n
    left join items as i on i.source_id = n.source_id and i.data_date = n.day
)

select * from final
