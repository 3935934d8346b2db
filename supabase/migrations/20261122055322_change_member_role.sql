-- Changing a corporate user's role: a column users may not update (column grants), so the
-- rule lives here, behind one function. Only an OWNER or ADMIN of the organization may
-- change roles (service_role always may); only an OWNER may grant or take OWNER; an
-- organization keeps at least one OWNER. Role changes of one organization are serialized
-- (row lock on the organization), so two owners cannot demote each other at once.
-- SECURITY DEFINER in the non-exposed schema private; callable by authenticated and
-- service_role only.
grant usage on schema private to service_role;
--> statement-breakpoint
create or replace function private.change_member_role(
  p_organization_id text, p_user_id uuid, p_role public.corporate_role
) returns setof public.corporate_users
language plpgsql volatile security definer set search_path = ''
as $$
declare
  is_service boolean := coalesce((select auth.role()), '') = 'service_role';
  actor_role public.corporate_role;
  target_role public.corporate_role;
begin
  perform 1 from public.organizations o where o.id = p_organization_id for update;
  select cu.role into actor_role from public.corporate_users cu
    where cu.id = (select auth.uid()) and cu.organization_id = p_organization_id;
  select cu.role into target_role from public.corporate_users cu
    where cu.id = p_user_id and cu.organization_id = p_organization_id;
  if not is_service and coalesce(actor_role::text, 'MEMBER') = 'MEMBER' then
    raise exception 'only an OWNER or ADMIN of the organization can change roles'
      using errcode = '42501';
  end if;
  if target_role is null then
    return; -- no such member: the caller sees no row
  end if;
  if not is_service and actor_role <> 'OWNER' and 'OWNER' in (p_role, target_role) then
    raise exception 'only an OWNER can grant or take the OWNER role' using errcode = '42501';
  end if;
  if target_role = 'OWNER' and p_role <> 'OWNER' and (
    select count(*) from public.corporate_users cu
    where cu.organization_id = p_organization_id and cu.role = 'OWNER'
  ) = 1 then
    raise exception 'an organization needs at least one OWNER' using errcode = '23514';
  end if;
  return query update public.corporate_users cu set role = p_role
    where cu.id = p_user_id and cu.organization_id = p_organization_id
    returning cu.*;
end
$$;
--> statement-breakpoint
revoke all on function private.change_member_role(text, uuid, public.corporate_role) from public, anon;
--> statement-breakpoint
grant execute on function private.change_member_role(text, uuid, public.corporate_role)
  to authenticated, service_role;
