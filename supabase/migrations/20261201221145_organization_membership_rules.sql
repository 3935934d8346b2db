-- One path, one set of rules for an organization's members. API roles may no longer insert
-- or delete corporate_users (migration access_contract dropped those policies; migration
-- least_privilege_grants the grants): an ADMIN could insert a second account as OWNER and have
-- it promote them, delete the only OWNER, or enrol anyone without consent. Instead:
--   invite_member      OWNER/ADMIN invite a person; only an OWNER may offer OWNER
--   accept_invitation  the invitee, and only they, turn an invitation into a membership
--   delete_invitation  the invitee declines, or an OWNER/ADMIN withdraws it
--   remove_member      a member leaves, or an OWNER/ADMIN removes someone; only an OWNER
--                      removes an OWNER
--   change_member_role (rewritten below on the same rules)
-- Each locks the organization's row first, so the changes of one organization are serialized.
-- To someone outside the organization it answers as if it did not exist (P0002 "no such
-- organization", whether it exists or not); to a member without the right, one error, 42501
-- "organization membership change not allowed", whatever the reason. Neither says anything
-- about another organization or its members. The trigger corporate_users_keep_an_owner keeps
-- at least one OWNER against every writer.
-- SECURITY DEFINER in the non-exposed schema private, callable by authenticated and
-- service_role (server code, which may do what an OWNER may).

-- The caller's role in the organization, with its row locked (FOR UPDATE) until the end of
-- the transaction. Server code (service_role, the owner) acts as an OWNER; null: no role.
create or replace function private.lock_organization_for_caller(p_organization_id text)
returns public.corporate_role
language plpgsql volatile set search_path = ''
as $$
declare
  caller_role public.corporate_role;
begin
  perform 1 from public.organizations o where o.id = p_organization_id for update;
  if not found then
    return null;
  end if;
  if pg_catalog.current_setting('role') not in ('anon', 'authenticated') then
    return 'OWNER';
  end if;
  select cu.role into caller_role from public.corporate_users cu
    where cu.id = (select auth.uid()) and cu.organization_id = p_organization_id;
  return caller_role;
end
$$;
--> statement-breakpoint
revoke all on function private.lock_organization_for_caller(text) from public, anon, authenticated;
--> statement-breakpoint
-- The refusal for a caller with the given role in the organization (null: none).
create or replace function private.refuse_membership_change(caller_role public.corporate_role)
returns void
language plpgsql volatile set search_path = ''
as $$
begin
  if caller_role is null then
    raise exception 'no such organization' using errcode = 'P0002';
  end if;
  raise exception 'organization membership change not allowed' using errcode = '42501';
end
$$;
--> statement-breakpoint
revoke all on function private.refuse_membership_change(public.corporate_role)
  from public, anon, authenticated;
--> statement-breakpoint
-- Every writer: an organization always keeps an OWNER. Cascades are let through (depth > 1):
-- deleting the organization itself, or the auth user of its last OWNER (Supabase Auth must be
-- able to delete an account). Under the organization's row lock, so two OWNERs demoting each
-- other at once cannot both see the other still in place.
create or replace function private.corporate_users_keep_an_owner() returns trigger
language plpgsql set search_path = ''
as $$
begin
  if old.role <> 'OWNER' or pg_catalog.pg_trigger_depth() > 1 then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'UPDATE' and new.role = 'OWNER' and new.organization_id = old.organization_id then
    return new;
  end if;
  perform 1 from public.organizations o where o.id = old.organization_id for update;
  if not exists (
    select 1 from public.corporate_users cu
    where cu.organization_id = old.organization_id and cu.role = 'OWNER' and cu.id <> old.id
  ) then
    raise exception 'an organization needs at least one OWNER' using errcode = '23514';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
--> statement-breakpoint
revoke all on function private.corporate_users_keep_an_owner() from public, anon, authenticated;
--> statement-breakpoint
create trigger corporate_users_keep_an_owner before update or delete on public.corporate_users
  for each row execute function private.corporate_users_keep_an_owner();
--> statement-breakpoint
create or replace function private.invite_member(
  p_organization_id text, p_user_id uuid, p_role public.corporate_role
) returns setof public.organization_invitations
language plpgsql volatile security definer set search_path = ''
as $$
declare
  caller_role public.corporate_role := private.lock_organization_for_caller(p_organization_id);
begin
  if coalesce(caller_role::text, 'MEMBER') = 'MEMBER'
    or (p_role = 'OWNER' and caller_role <> 'OWNER') then
    perform private.refuse_membership_change(caller_role);
  end if;
  if exists (select 1 from public.corporate_users cu
             where cu.id = p_user_id and cu.organization_id = p_organization_id) then
    raise exception 'already a member of this organization'
      using errcode = '23505', constraint = 'corporate_users_pkey';
  end if;
  return query
    insert into public.organization_invitations as i (organization_id, invitee_id, role, invited_by)
    values (p_organization_id, p_user_id, p_role, (select auth.uid()))
    on conflict (organization_id, invitee_id)
      do update set role = excluded.role, invited_by = excluded.invited_by
    returning i.*;
end
$$;
--> statement-breakpoint
-- Only the invitee, signed in as themselves: server code cannot accept for someone.
create or replace function private.accept_invitation(
  p_organization_id text, p_display_name text, p_email text
) returns setof public.corporate_users
language plpgsql volatile security definer set search_path = ''
as $$
declare
  me uuid := (select auth.uid());
  offered public.corporate_role;
begin
  perform private.lock_organization_for_caller(p_organization_id);
  delete from public.organization_invitations i
    where i.organization_id = p_organization_id and i.invitee_id = me
    returning i.role into offered;
  if offered is null then
    raise exception 'no invitation to this organization' using errcode = 'P0002';
  end if;
  return query
    insert into public.corporate_users as cu (id, organization_id, role, display_name, email)
    values (me, p_organization_id, offered, p_display_name, p_email)
    returning cu.*;
end
$$;
--> statement-breakpoint
create or replace function private.delete_invitation(p_organization_id text, p_user_id uuid)
returns boolean
language plpgsql volatile security definer set search_path = ''
as $$
declare
  caller_role public.corporate_role := private.lock_organization_for_caller(p_organization_id);
  offered public.corporate_role;
begin
  select i.role into offered from public.organization_invitations i
    where i.organization_id = p_organization_id and i.invitee_id = p_user_id;
  if p_user_id is distinct from (select auth.uid()) and (
    coalesce(caller_role::text, 'MEMBER') = 'MEMBER' or (offered = 'OWNER' and caller_role <> 'OWNER')
  ) then
    perform private.refuse_membership_change(caller_role);
  end if;
  delete from public.organization_invitations i
    where i.organization_id = p_organization_id and i.invitee_id = p_user_id;
  return found;
end
$$;
--> statement-breakpoint
create or replace function private.remove_member(p_organization_id text, p_user_id uuid)
returns setof public.corporate_users
language plpgsql volatile security definer set search_path = ''
as $$
declare
  caller_role public.corporate_role := private.lock_organization_for_caller(p_organization_id);
  target_role public.corporate_role;
begin
  -- Leaving needs no rights but membership; removing someone else needs OWNER or ADMIN.
  if caller_role is null
    or (caller_role = 'MEMBER' and p_user_id is distinct from (select auth.uid())) then
    perform private.refuse_membership_change(caller_role);
  end if;
  select cu.role into target_role from public.corporate_users cu
    where cu.id = p_user_id and cu.organization_id = p_organization_id;
  if target_role = 'OWNER' and caller_role <> 'OWNER' then
    perform private.refuse_membership_change(caller_role);
  end if;
  return query delete from public.corporate_users cu
    where cu.id = p_user_id and cu.organization_id = p_organization_id
    returning cu.*;
end
$$;
--> statement-breakpoint
create or replace function private.change_member_role(
  p_organization_id text, p_user_id uuid, p_role public.corporate_role
) returns setof public.corporate_users
language plpgsql volatile security definer set search_path = ''
as $$
declare
  caller_role public.corporate_role := private.lock_organization_for_caller(p_organization_id);
  target_role public.corporate_role;
begin
  if coalesce(caller_role::text, 'MEMBER') = 'MEMBER' then
    perform private.refuse_membership_change(caller_role);
  end if;
  select cu.role into target_role from public.corporate_users cu
    where cu.id = p_user_id and cu.organization_id = p_organization_id;
  if target_role is null then
    return; -- no such member: the caller (who sees the members) gets no row
  end if;
  if caller_role <> 'OWNER' and 'OWNER' in (p_role, target_role) then
    perform private.refuse_membership_change(caller_role);
  end if;
  return query update public.corporate_users cu set role = p_role
    where cu.id = p_user_id and cu.organization_id = p_organization_id
    returning cu.*;
end
$$;
--> statement-breakpoint
revoke all on function
  private.invite_member(text, uuid, public.corporate_role),
  private.accept_invitation(text, text, text),
  private.delete_invitation(text, uuid),
  private.remove_member(text, uuid)
  from public, anon;
--> statement-breakpoint
grant execute on function
  private.invite_member(text, uuid, public.corporate_role),
  private.accept_invitation(text, text, text),
  private.delete_invitation(text, uuid),
  private.remove_member(text, uuid)
  to authenticated, service_role;
