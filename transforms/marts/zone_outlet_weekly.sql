-- One row per zone, week (Monday) and outlet that reported on the zone in the 12 weeks before that week or
-- in it: the outlet's items about the zone that week (0 when it was silent), its share of the zone's items
-- in the 12 weeks before, and the day of its last item about the zone so far. Who went quiet: outlets with
-- a baseline share and 0 items in the latest weeks.
with zone_items as (
    select zone_id, source_id, reported_date, is_inside_dateline
    from intermediate.int_items_in_zones
    where reported_date <= $run_date::date
),

weekly as (
    select
        zone_id,
        source_id,
        date_trunc('week', reported_date)::date as week_start,
        count(*) as items,
        count(*) filter (where is_inside_dateline) as inside_dateline_items,
        max(reported_date) as last_item_in_week
    from zone_items
    group by all
),

weeks as (
    select zone_id, unnest(generate_series(min(week_start), date_trunc('week', $run_date::date)::date,
        interval 7 day))::date as week_start
    from weekly
    group by zone_id
),

outlets as (
    -- every outlet of the zone in every week from its first week on; the filter below keeps the relevant ones
    select w.zone_id, w.week_start, o.source_id
    from weeks as w
    inner join (select zone_id, source_id, min(week_start) as first_week from weekly group by all) as o
        on o.zone_id = w.zone_id and w.week_start >= o.first_week
),

filled as (
    select
        o.zone_id,
        o.week_start,
        o.source_id,
        coalesce(k.items, 0) as items,
        coalesce(k.inside_dateline_items, 0) as inside_dateline_items,
        max(k.last_item_in_week) over (
            partition by o.zone_id, o.source_id order by o.week_start rows unbounded preceding
        ) as last_item_on,
        sum(coalesce(k.items, 0)) over (
            partition by o.zone_id, o.source_id order by o.week_start rows between 12 preceding and 1 preceding
        ) as baseline_items
    from outlets as o
    left join weekly as k using (zone_id, source_id, week_start)
),

final as (
    select
        f.zone_id,
        f.week_start,
        f.source_id,
        f.week_start + 6 > $run_date::date as is_partial_week,
        f.items,
        f.inside_dateline_items,
        coalesce(f.baseline_items, 0) as baseline_items,
        coalesce(f.baseline_items, 0) / nullif(sum(coalesce(f.baseline_items, 0)) over (
            partition by f.zone_id, f.week_start
        ), 0) as baseline_share,
        f.last_item_on
    from filled as f
    where f.items > 0 or coalesce(f.baseline_items, 0) > 0
)

select * from final
