-- One row per zone.
select zone_id, zone_name, countries from staging.stg_zones
