-- One row per zone per week (Monday start): recorded violence (ACLED, UCDP) against independent reporting,
-- each against the zone's own baseline, and the attention gap: how far a rise in violence outruns reporting.
with index_weeks as (
    select
        zone_id,
        week_start,
        days_observed,
        is_complete_week,
        independent_stories_week as s_w,
        independent_stories_baseline as s_base,
        baseline_weeks
    from marts.zone_denial_capacity_weekly
),

zones as (
    select zone_id, level from marts.dim_zones
),

conflict_sources as (
    select count(*) as n from staging.stg_sources
    where is_enabled and dataset_format in ('acled', 'ucdp')
),

conflict_weeks as (
    -- scaled to seven days as independent_stories_week is, so a week in progress compares like for like
    select
        zone_id,
        date_trunc('week', day)::date as week_start,
        sum(conflict_fatalities) * 7.0 / count(*) as f_w,
        sum(conflict_events) * 7.0 / count(*) as e_w
    from marts.zone_access_daily
    where (select n from conflict_sources) > 0
    group by all
),

weeks as (
    select w.*, z.level, c.f_w, c.e_w
    from index_weeks as w
    inner join zones as z using (zone_id)
    left join conflict_weeks as c using (zone_id, week_start)
),

baselines as (
    -- the same window as the stories baseline: weeks w-28 .. w-3
    select
        *,
        median(f_w) over (
            partition by zone_id order by week_start rows between 28 preceding and 3 preceding
        ) as f_base
    from weeks
),

changes as (
    select
        *,
        case when f_w > 0 then s_w / f_w end as spf_w,
        case when f_base > 0 then s_base / f_base end as spf_base,
        -- the offset keeps a handful of deaths (or stories) in a quiet zone from reading as a surge
        case when baseline_weeks >= $min_baseline_weeks
            then log2((f_w + $attention_offset) / (f_base + $attention_offset)) end as violence_change,
        case when baseline_weeks >= $min_baseline_weeks
            then log2((s_w + $attention_offset) / (s_base + $attention_offset)) end as reporting_change
    from baselines
),

peers as (
    select
        *,
        -- the median zone of the same level that week (a country zone is compared with country zones)
        median(spf_w) over (partition by level, week_start) as spf_peers,
        violence_change - greatest(reporting_change, 0) as attention_gap
    from changes
),

final as (
    select
        zone_id,
        week_start,
        level,
        days_observed,
        is_complete_week,
        s_w as independent_stories_week,
        s_base as independent_stories_baseline,
        f_w as fatalities_week,
        e_w as conflict_events_week,
        f_base as fatalities_baseline,
        baseline_weeks,
        spf_w as stories_per_fatality_week,
        spf_base as stories_per_fatality_baseline,
        spf_peers as stories_per_fatality_peers,
        case when spf_peers > 0 then spf_w / spf_peers end as stories_per_fatality_vs_peers,
        violence_change,
        reporting_change,
        attention_gap,
        coalesce(
            violence_change >= $violence_rise_log2 and f_w >= $violence_rise_min_fatalities, false
        ) as is_violence_rising,
        case when attention_gap is not null then
            rank() over (
                partition by level, week_start, attention_gap is null order by attention_gap desc
            )
        end as attention_rank,
        case
            when (select n from conflict_sources) = 0 then 'no ACLED or UCDP dataset enabled'
            when baseline_weeks < $min_baseline_weeks then 'too few baseline weeks'
        end as null_reason
    from peers
)

select
    * replace (
        round(independent_stories_week, 6) as independent_stories_week,
        round(independent_stories_baseline, 6) as independent_stories_baseline,
        round(fatalities_week, 6) as fatalities_week,
        round(conflict_events_week, 6) as conflict_events_week,
        round(fatalities_baseline, 6) as fatalities_baseline,
        round(stories_per_fatality_week, 6) as stories_per_fatality_week,
        round(stories_per_fatality_baseline, 6) as stories_per_fatality_baseline,
        round(stories_per_fatality_peers, 6) as stories_per_fatality_peers,
        round(stories_per_fatality_vs_peers, 6) as stories_per_fatality_vs_peers,
        round(violence_change, 6) as violence_change,
        round(reporting_change, 6) as reporting_change,
        round(attention_gap, 6) as attention_gap
    )
from final
order by zone_id, week_start
