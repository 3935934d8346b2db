-- Membership helpers for row level security policies. They read the membership tables with
-- the owner's rights (SECURITY DEFINER), which is what lets a policy ask "is this my room?"
-- without recursing into the membership table's own policy. Each returns the caller's set
-- and is called once per statement, as `x in (select private.my_room_ids())`, never per row.
-- plpgsql, not SQL: a SQL-language helper is re-planned on every call (measured ~4x slower).
-- Schema private is not exposed by the API; only authenticated may call them.
create schema if not exists private;
--> statement-breakpoint
grant usage on schema private to authenticated;
--> statement-breakpoint
create or replace function private.my_room_ids() returns setof text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query select uc.chat_room_id from public.user_chats uc where uc.user_id = (select auth.uid());
end
$$;
--> statement-breakpoint
create or replace function private.my_organization_ids() returns setof text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query select cu.organization_id from public.corporate_users cu where cu.id = (select auth.uid());
end
$$;
--> statement-breakpoint
create or replace function private.my_admin_organization_ids() returns setof text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query select cu.organization_id from public.corporate_users cu
    where cu.id = (select auth.uid()) and cu.role in ('OWNER', 'ADMIN');
end
$$;
--> statement-breakpoint
revoke all on function private.my_room_ids(), private.my_organization_ids(),
  private.my_admin_organization_ids() from public, anon;
--> statement-breakpoint
grant execute on function private.my_room_ids(), private.my_organization_ids(),
  private.my_admin_organization_ids() to authenticated;
