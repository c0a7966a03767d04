-- One row per source in the registry.
with source as (
    select * from raw.registry_sources
),

final as (
    select
        source_id,
        name as source_name,
        kind as source_kind,
        url,
        tier,
        is_independent,
        not is_independent as is_state_affiliated,
        tier in ('ngo', 'un', 'press_freedom') as is_ngo_un,
        country,
        languages,
        zones as focus_zones,
        dataset_format,
        is_enabled
    from source
)

select * from final
