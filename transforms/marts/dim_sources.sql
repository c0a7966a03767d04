-- One row per source.
select
    source_id, source_name, source_kind, url, tier, is_independent, is_state_affiliated, is_ngo_un,
    country, languages, focus_zones, dataset_format, is_enabled
from staging.stg_sources
