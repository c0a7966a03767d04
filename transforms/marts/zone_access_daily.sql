-- One row per zone per day: journalists killed, detained or imprisoned, expelled or denied entry, attacked;
-- shutdown and outage days; conflict events; the latest press-freedom score; and the weighted incident count.
with calendar as (
    select * from intermediate.int_zone_calendar
),

incidents as (
    select * from intermediate.int_access_incidents_zoned
),

people as (
    select
        zone_id,
        started_on as day,
        sum(victims) filter (where incident_kind = 'killed') as journalists_killed,
        sum(victims) filter (where incident_kind in ('detained', 'imprisoned')) as journalists_detained,
        sum(victims) filter (where incident_kind in ('expelled', 'denied_entry')) as journalists_expelled,
        sum(victims) filter (where incident_kind = 'attacked') as journalists_attacked
    from incidents
    where incident_kind in ('killed', 'detained', 'imprisoned', 'expelled', 'denied_entry', 'attacked')
    group by all
),

shutdown_days as (
    select k.zone_id, k.day, max(i.incident_kind = 'shutdown')::int as is_shutdown, max(i.incident_kind = 'outage')::int as is_outage
    from calendar as k
    inner join incidents as i
        on i.zone_id = k.zone_id
        and i.incident_kind in ('shutdown', 'outage')
        and k.day between i.started_on and coalesce(i.ended_on, $run_date::date)
    group by all
),

conflict as (
    select zone_id, occurred_on as day, count(*) as conflict_events, sum(fatalities) as conflict_fatalities
    from intermediate.int_conflict_events_zoned
    group by all
),

press as (
    select v.country, v.day, v.value as score
    from staging.stg_external_volume as v
    where v.series = 'rsf_score'
),

zone_country as (
    select zone_id, unnest(countries) as country from staging.stg_zones
),

final as (
    select
        k.zone_id,
        k.day,
        coalesce(p.journalists_killed, 0) as journalists_killed,
        coalesce(p.journalists_detained, 0) as journalists_detained,
        coalesce(p.journalists_expelled, 0) as journalists_expelled,
        coalesce(p.journalists_attacked, 0) as journalists_attacked,
        coalesce(s.is_shutdown, 0) as shutdown_days,
        case when coalesce(s.is_shutdown, 0) = 1 then 0 else coalesce(s.is_outage, 0) end as outage_days,
        coalesce(c.conflict_events, 0) as conflict_events,
        coalesce(c.conflict_fatalities, 0) as conflict_fatalities,
        (
            select arg_max(pr.score, pr.day) from press as pr
            inner join zone_country as zc on zc.country = pr.country
            where zc.zone_id = k.zone_id and pr.day <= k.day
        ) as press_freedom_score
    from calendar as k
    left join people as p using (zone_id, day)
    left join shutdown_days as s using (zone_id, day)
    left join conflict as c using (zone_id, day)
),

weighted as (
    select
        *,
        5 * journalists_killed + 3 * journalists_detained + 2 * journalists_expelled + journalists_attacked
            + shutdown_days + 0.5 * outage_days as weighted_incidents
    from final
)

select * from weighted order by zone_id, day
