-- One row per dataset access incident and zone it counts for (journalists killed, detained, imprisoned,
-- expelled, denied entry or attacked; shutdowns and outages): the records behind zone_access_daily, to
-- corroborate a figure or an alert. `placed_by` says how the zone was found: location, admin1, country
-- (counted for the country's zone) or country_wide (an outage counted for every zone of its country).
select
    zone_id,
    incident_id,
    source_id as dataset_id,
    dataset_format,
    record_key,
    incident_kind,
    started_on,
    ended_on,
    country,
    admin1,
    location,
    victims,
    person_name,
    organization,
    url,
    description,
    placed_by
from intermediate.int_access_incidents_zoned
