-- One row per dataset incident record: a revised record lands again, and the newest version wins: the
-- dataset's own last-modified time when it has one, then the collection time of the file it came in, then
-- its position in that file; rows landed before these were kept (revision 0007) by when they were loaded.
with source as (
    select * from raw.access_incidents
),

final as (
    select
        incident_id,
        source_id,
        dataset_format,
        coalesce(record_key, incident_id) as record_key,
        kind as incident_kind,
        upper(country) as country,
        admin1,
        location,
        started_on,
        ended_on,
        coalesce(victims, 1) as victims,
        person_name,
        organization,
        url,
        description
    from source
    qualify row_number() over (
        partition by source_id, coalesce(record_key, incident_id) order by source_modified_at desc nulls last, collected_at desc nulls last, row_position desc nulls last,
            loaded_at desc, incident_id
    ) = 1
)

select * from final
