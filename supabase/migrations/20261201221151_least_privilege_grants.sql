-- Least privilege for the API roles, as defence in depth behind the policies: each holds
-- exactly the privileges that some policy of the table uses, UPDATE only on the columns the
-- table's access contract (its `updatable`) lists, and SELECT on virtual_user_profiles only on
-- what a client shows (a bot's prompt and model are the server's). Before this, anon held
-- INSERT/UPDATE/DELETE on tables it may never write, and authenticated INSERT/DELETE on
-- corporate_users, which now changes only through the membership functions.
-- Rendered from the contracts by accessGrantsSql() (src/schema-kit/access.ts);
-- test/access-contract.test.ts fails when the catalog and the contracts disagree.
revoke all on public.embeddings from anon, authenticated;
--> statement-breakpoint
grant select on public.embeddings to authenticated;
--> statement-breakpoint
grant insert on public.embeddings to authenticated;
--> statement-breakpoint
grant update (content, embedding) on public.embeddings to authenticated;
--> statement-breakpoint
grant delete on public.embeddings to authenticated;
--> statement-breakpoint
revoke all on public.virtual_user_chats from anon, authenticated;
--> statement-breakpoint
grant select on public.virtual_user_chats to authenticated;
--> statement-breakpoint
revoke all on public.virtual_user_profiles from anon, authenticated;
--> statement-breakpoint
grant select (avatar_url, created_at, updated_at, virtual_user_id) on public.virtual_user_profiles to authenticated;
--> statement-breakpoint
revoke all on public.virtual_users from anon, authenticated;
--> statement-breakpoint
grant select on public.virtual_users to authenticated;
--> statement-breakpoint
revoke all on public.chat_rooms from anon, authenticated;
--> statement-breakpoint
grant select on public.chat_rooms to authenticated;
--> statement-breakpoint
grant insert on public.chat_rooms to authenticated;
--> statement-breakpoint
grant update (name, updated_at) on public.chat_rooms to authenticated;
--> statement-breakpoint
grant delete on public.chat_rooms to authenticated;
--> statement-breakpoint
revoke all on public.messages from anon, authenticated;
--> statement-breakpoint
grant select on public.messages to authenticated;
--> statement-breakpoint
grant insert on public.messages to authenticated;
--> statement-breakpoint
grant update (content, edited_at) on public.messages to authenticated;
--> statement-breakpoint
grant delete on public.messages to authenticated;
--> statement-breakpoint
revoke all on public.user_chats from anon, authenticated;
--> statement-breakpoint
grant select on public.user_chats to authenticated;
--> statement-breakpoint
grant insert on public.user_chats to authenticated;
--> statement-breakpoint
grant update (last_read_at) on public.user_chats to authenticated;
--> statement-breakpoint
grant delete on public.user_chats to authenticated;
--> statement-breakpoint
revoke all on public.corporate_users from anon, authenticated;
--> statement-breakpoint
grant select on public.corporate_users to authenticated;
--> statement-breakpoint
grant update (display_name, email, updated_at) on public.corporate_users to authenticated;
--> statement-breakpoint
revoke all on public.organization_invitations from anon, authenticated;
--> statement-breakpoint
grant select on public.organization_invitations to authenticated;
--> statement-breakpoint
revoke all on public.organizations from anon, authenticated;
--> statement-breakpoint
grant select on public.organizations to authenticated;
--> statement-breakpoint
grant update (name, slug, updated_at) on public.organizations to authenticated;
--> statement-breakpoint
revoke all on public.addresses from anon, authenticated;
--> statement-breakpoint
grant select on public.addresses to authenticated;
--> statement-breakpoint
grant insert on public.addresses to authenticated;
--> statement-breakpoint
grant update (city, country, is_default, label, line1, line2, postal_code, region, updated_at) on public.addresses to authenticated;
--> statement-breakpoint
grant delete on public.addresses to authenticated;
--> statement-breakpoint
revoke all on public.general_users from anon, authenticated;
--> statement-breakpoint
grant select on public.general_users to anon;
--> statement-breakpoint
grant select on public.general_users to authenticated;
--> statement-breakpoint
grant update (account_name, avatar_url, display_name, updated_at) on public.general_users to authenticated;
--> statement-breakpoint
grant delete on public.general_users to authenticated;
--> statement-breakpoint
revoke all on public.general_user_profiles from anon, authenticated;
--> statement-breakpoint
grant select on public.general_user_profiles to authenticated;
--> statement-breakpoint
grant insert on public.general_user_profiles to authenticated;
--> statement-breakpoint
grant update (bio, birthday, location, updated_at, website) on public.general_user_profiles to authenticated;
--> statement-breakpoint
grant delete on public.general_user_profiles to authenticated;
--> statement-breakpoint
-- Identity columns draw from their sequence without any privilege on it: nothing to keep.
revoke all on all sequences in schema public from anon, authenticated;
--> statement-breakpoint
-- A table added later starts with nothing for the API roles (Supabase's defaults grant them
-- everything), so one that declares no access contract grants no UPDATE, nor anything else.
alter default privileges in schema public revoke all on tables from anon, authenticated;
--> statement-breakpoint
alter default privileges in schema public revoke all on sequences from anon, authenticated;
