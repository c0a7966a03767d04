-- One row per zone per week (Monday start): every component scaled 0..1, the reason when one is null,
-- and the Denial Capacity Index 0..100 renormalised over the components present.
with daily as (
    select r.*, a.weighted_incidents, a.conflict_events, a.conflict_fatalities
    from marts.zone_reporting_daily as r
    inner join marts.zone_access_daily as a using (zone_id, day)
),

outlet_week as (
    select zone_id, date_trunc('week', reported_date)::date as week_start, source_id, count(*) as n
    from intermediate.int_items_in_zones
    where is_independent and is_original and reported_date <= $run_date::date
    group by all
),

diversity as (
    select zone_id, week_start, exp(-sum((n / total) * ln(n / total))) as d_w
    from (select *, sum(n) over (partition by zone_id, week_start) as total from outlet_week)
    group by all
),

access as (
    -- dataset incidents, plus 0.5 for each independent story that reports an incident (text-mined)
    select
        zone_id,
        day,
        sum(weighted_incidents + 0.5 * incident_stories) over (
            partition by zone_id order by day rows between 89 preceding and current row
        ) as a_90,
        -- conflict records (ACLED, UCDP) over the 28 days ending on the day
        sum(conflict_events) over conflict_window as conflict_events_28d,
        sum(conflict_fatalities) over conflict_window as fatalities_28d
    from daily
    window conflict_window as (partition by zone_id order by day rows between 27 preceding and current row)
),

access_sources as (
    select count(*) as n from staging.stg_sources
    where is_enabled and dataset_format in ('cpj', 'keepiton', 'ioda')
),

conflict_sources as (
    select count(*) as n from staging.stg_sources
    where is_enabled and dataset_format in ('acled', 'ucdp')
),

weeks as (
    select
        d.zone_id,
        date_trunc('week', d.day)::date as week_start,
        count(*) as days_observed,
        -- a week still in progress is scaled to seven days
        sum(d.independent_stories) * 7.0 / count(*) as s_w,
        sum(d.inside_dateline_stories) as inside_w,
        sum(d.independent_stories) as stories_w,
        sum(d.items_total) as items_w,
        sum(d.state_items) as state_w,
        sum(d.frame_items) as frame_w,
        sum(d.claims_covered_items) as covered_w,
        arg_max(a.a_90, d.day) as a_90,
        arg_max(a.conflict_events_28d, d.day) as conflict_events_28d,
        arg_max(a.fatalities_28d, d.day) as fatalities_28d
    from daily as d
    inner join access as a using (zone_id, day)
    group by all
),

measured as (
    select
        w.*,
        case when w.stories_w > 0 then w.inside_w / w.stories_w else 0 end as p_w,
        coalesce(v.d_w, 0) as d_w,
        case when w.items_w > 0 then w.state_w / w.items_w end as state_share_w,
        case when w.covered_w > 0 then w.frame_w / w.covered_w end as frame_rate_w
    from weeks as w
    left join diversity as v using (zone_id, week_start)
),

baselines as (
    select
        *,
        median(s_w) over baseline_window as s_base,
        median(p_w) over baseline_window as p_base,
        median(d_w) over baseline_window as d_base,
        -- the guard band: a week within one median absolute deviation of the baseline is no deficit
        mad(s_w) over baseline_window as s_mad,
        mad(p_w) over baseline_window as p_mad,
        mad(d_w) over baseline_window as d_mad,
        count(*) over baseline_window as baseline_weeks
    from measured
    window baseline_window as (partition by zone_id order by week_start rows between 28 preceding and 3 preceding)
),

components as (
    select
        *,
        baseline_weeks >= $min_baseline_weeks and s_base >= $min_weekly_stories as has_baseline,
        case when baseline_weeks >= $min_baseline_weeks and s_base >= $min_weekly_stories
            then least(greatest(1 - s_w / (s_base - s_mad), 0), 1) end as density_deficit,
        case
            when baseline_weeks < $min_baseline_weeks or s_base < $min_weekly_stories then null
            when p_base > 0 then least(greatest(1 - p_w / (p_base - p_mad), 0), 1)
            else 1.0
        end as presence_deficit,
        baseline_weeks >= $min_baseline_weeks and s_base >= $min_weekly_stories and coalesce(p_base, 0) = 0
            as is_presence_without_baseline,
        case when baseline_weeks >= $min_baseline_weeks and s_base >= $min_weekly_stories and d_base > 0
            then least(greatest(1 - d_w / (d_base - d_mad), 0), 1) end as diversity_deficit,
        case when (select n from access_sources) > 0 then 1 - exp(-a_90 / $a0) end as access_restriction,
        case when (select n from conflict_sources) > 0
            then 1 - exp(-(conflict_events_28d + fatalities_28d) / $c0) end as conflict_intensity,
        -- with no item in a language the frames lexicon reads, the frame share is unknown: state share alone
        case
            when state_share_w is null then null
            when frame_rate_w is null then state_share_w
            else 0.5 * state_share_w + 0.5 * least(1, frame_rate_w / $f0)
        end as narrative_control
    from baselines
),

final as (
    select
        zone_id,
        week_start,
        days_observed,
        days_observed = 7 as is_complete_week,
        s_w as independent_stories_week,
        s_base as independent_stories_baseline,
        p_w as inside_share_week,
        p_base as inside_share_baseline,
        d_w as outlet_diversity_week,
        d_base as outlet_diversity_baseline,
        a_90 as weighted_incidents_90d,
        case when (select n from conflict_sources) > 0 then conflict_events_28d end as conflict_events_28d,
        case when (select n from conflict_sources) > 0 then fatalities_28d end as fatalities_28d,
        state_share_w as state_share_week,
        frame_rate_w as frame_rate_week,
        baseline_weeks,
        density_deficit,
        presence_deficit,
        is_presence_without_baseline,
        diversity_deficit,
        access_restriction,
        narrative_control,
        conflict_intensity,
        nullif(concat_ws('; ',
            case when density_deficit is null then 'density: too few baseline weeks or baseline stories' end,
            case when presence_deficit is null then 'presence: too few baseline weeks or baseline stories' end,
            case when diversity_deficit is null then 'diversity: too few baseline weeks, stories or outlets' end,
            case when narrative_control is null then 'narrative: no items this week' end,
            case when access_restriction is null then 'access: no journalist-safety or shutdown dataset enabled' end,
            case when conflict_intensity is null then 'conflict: no ACLED or UCDP dataset enabled' end
        ), '') as null_reasons,
        100 * (
            coalesce($w_density * density_deficit, 0) + coalesce($w_presence * presence_deficit, 0)
            + coalesce($w_diversity * diversity_deficit, 0) + coalesce($w_access * access_restriction, 0)
            + coalesce($w_narrative * narrative_control, 0) + coalesce($w_conflict * conflict_intensity, 0)
        ) / nullif(
            case when density_deficit is not null then $w_density else 0 end
            + case when presence_deficit is not null then $w_presence else 0 end
            + case when diversity_deficit is not null then $w_diversity else 0 end
            + case when access_restriction is not null then $w_access else 0 end
            + case when narrative_control is not null then $w_narrative else 0 end
            + case when conflict_intensity is not null then $w_conflict else 0 end, 0
        ) as denial_capacity_index
    from components
)

select
    * replace (
        round(independent_stories_week, 6) as independent_stories_week,
        round(independent_stories_baseline, 6) as independent_stories_baseline,
        round(inside_share_week, 6) as inside_share_week,
        round(inside_share_baseline, 6) as inside_share_baseline,
        round(outlet_diversity_week, 6) as outlet_diversity_week,
        round(outlet_diversity_baseline, 6) as outlet_diversity_baseline,
        round(weighted_incidents_90d, 6) as weighted_incidents_90d,
        round(state_share_week, 6) as state_share_week,
        round(frame_rate_week, 6) as frame_rate_week,
        round(density_deficit, 6) as density_deficit,
        round(presence_deficit, 6) as presence_deficit,
        round(diversity_deficit, 6) as diversity_deficit,
        round(access_restriction, 6) as access_restriction,
        round(narrative_control, 6) as narrative_control,
        round(conflict_intensity, 6) as conflict_intensity,
        round(denial_capacity_index, 4) as denial_capacity_index
    )
from final
order by zone_id, week_start
