-- One to three bindings per member: the home channel (bound when the
-- member joined), then up to two more channels bound within 300 days.
create or replace table clean_member_bindings as
with bindings as (
    select
        member_index,
        join_day,
        join_second_of_day,
        binding_number,
        [home_channel_index, second_channel_index, third_channel_index][
            binding_number + 1
        ] as channel_index
    from (
        select
            *,
            unnest(range(binding_count)) as binding_number
        from clean_members
    )
)

select
    make_member_id(member_index)::varchar as member_id,
    channel_code(channel_index)::varchar as channel,
    make_customer_id(channel_index, 4 * member_index + binding_number)::varchar
        as customer_id,
    window_timestamp(least($last_second, case
        when binding_number = 0 then join_day * 86400 + join_second_of_day
        else (
            greatest(join_day, 0) + floor(
                uniform_draw(member_index, binding_number, 40) * 300
            )::integer
        ) * 86400 + floor(
            uniform_draw(member_index, binding_number, 41) * 86400
        )::integer
    end))::timestamp as bound_at
from bindings;

select * from clean_member_bindings
