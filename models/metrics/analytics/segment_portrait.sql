{#- Distribution of each portrait tag within each segment of the current
    members (member_portrait): every lifecycle stage, every RFM segment
    (members with no member order in W12 have no RFM segment and are left
    out of that type), and `all` / `all` as the baseline. A missing tag
    value is counted as `unknown`. -#}
with

portrait as (
    select * from {{ ref('member_portrait') }}
),

member_segments as (
    select
        member_id,
        'all' as segment_type,
        'all' as segment_value
    from portrait
    union all
    select
        member_id,
        'lifecycle_stage' as segment_type,
        lifecycle_stage as segment_value
    from portrait
    union all
    select
        member_id,
        'rfm_segment' as segment_type,
        rfm_segment as segment_value
    from portrait
    where rfm_segment is not null
),

member_tags as (
    select
        member_id,
        'age_band' as tag_name,
        age_band as tag_value
    from portrait
    union all
    select
        member_id,
        'gender' as tag_name,
        gender as tag_value
    from portrait
    union all
    select
        member_id,
        'city_tier' as tag_name,
        cast(city_tier as {{ dbt.type_string() }}) as tag_value
    from portrait
    union all
    select
        member_id,
        'tier' as tag_name,
        tier as tag_value
    from portrait
    union all
    select
        member_id,
        'preferred_channel' as tag_name,
        preferred_channel as tag_value
    from portrait
    union all
    select
        member_id,
        'preferred_category' as tag_name,
        preferred_category as tag_value
    from portrait
    union all
    select
        member_id,
        'price_band' as tag_name,
        price_band as tag_value
    from portrait
),

tag_counts as (
    select
        member_segments.segment_type,
        member_segments.segment_value,
        member_tags.tag_name,
        coalesce(member_tags.tag_value, 'unknown') as tag_value,
        count(*) as count_members
    from member_segments
    inner join member_tags
        on member_segments.member_id = member_tags.member_id
    group by
        member_segments.segment_type,
        member_segments.segment_value,
        member_tags.tag_name,
        coalesce(member_tags.tag_value, 'unknown')
),

segment_sizes as (
    select
        segment_type,
        segment_value,
        count(*) as segment_size
    from member_segments
    group by segment_type, segment_value
),

final as (
    select
        tag_counts.segment_type,
        tag_counts.segment_value,
        tag_counts.tag_name,
        tag_counts.tag_value,
        tag_counts.count_members,
        {{ safe_divide(
            'tag_counts.count_members', 'segment_sizes.segment_size'
        ) }} as share  -- noqa: RF04
    from tag_counts
    inner join segment_sizes
        on
            tag_counts.segment_type = segment_sizes.segment_type
            and tag_counts.segment_value = segment_sizes.segment_value
)

select * from final
