-- Names are cleaned on every write, not only at sign-up by the auth hook: a plain UPDATE (the
-- query functions, PostgREST) could store bidi overrides and zero-width characters, which let
-- one name pass for another. One cleaning rule for all (functions.sql's clean_display_name, the
-- hook's, is this plus its 100-character cut): control, zero-width and bidi-override
-- characters removed, runs of spaces (every character JavaScript trims) made one, the ends
-- trimmed; null when nothing is left (the trigger then stores '', which the column's CHECK
-- refuses). No cut here: a name that is too long is refused by the length CHECK, not shortened.
create or replace function private.clean_name(raw text) returns text
language sql immutable
set search_path = ''
as $$
  select nullif(pg_catalog.btrim(pg_catalog.regexp_replace(
    pg_catalog.regexp_replace(raw, '[\u0001-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]', '', 'g'),
    '[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+', ' ', 'g')), '')
$$;
--> statement-breakpoint
-- The columns to clean are the trigger's arguments. Only when one changed: an UPDATE of
-- anything else costs one comparison.
create or replace function private.clean_names() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  col text;
  value text;
  cleaned jsonb := '{}';
begin
  foreach col in array tg_argv loop
    value := pg_catalog.to_jsonb(new) ->> col;
    if tg_op = 'INSERT' or value is distinct from (pg_catalog.to_jsonb(old) ->> col) then
      -- Nothing left: '' rather than null, so the column's CHECK refuses it by name.
      cleaned := cleaned || pg_catalog.jsonb_build_object(
        col, case when value is not null then coalesce(private.clean_name(value), '') end);
    end if;
  end loop;
  if cleaned = '{}'::jsonb then
    return new;
  end if;
  return pg_catalog.jsonb_populate_record(new, cleaned);
end
$$;
--> statement-breakpoint
revoke all on function private.clean_name(text), private.clean_names()
  from public, anon, authenticated;
--> statement-breakpoint
-- The trigger runs with the writer's rights, so the roles that write names call the cleaning
-- (an immutable text function; as generate_cuid for the id defaults).
grant execute on function private.clean_name(text) to authenticated, service_role;
--> statement-breakpoint
create trigger clean_names before insert or update of display_name on public.general_users
  for each row execute function private.clean_names('display_name');
--> statement-breakpoint
create trigger clean_names before insert or update of display_name on public.corporate_users
  for each row execute function private.clean_names('display_name');
--> statement-breakpoint
create trigger clean_names before insert or update of name on public.chat_rooms
  for each row execute function private.clean_names('name');
--> statement-breakpoint
create trigger clean_names before insert or update of name on public.organizations
  for each row execute function private.clean_names('name');
--> statement-breakpoint
create trigger clean_names before insert or update of name on public.virtual_users
  for each row execute function private.clean_names('name');
