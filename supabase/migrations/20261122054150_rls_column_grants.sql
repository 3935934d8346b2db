-- What RLS cannot say: which columns a signed-in user may change. Policies decide which rows;
-- these grants keep a user from moving a row out of reach or into someone else's name
-- (user_id, sender_user_id, chat_room_id, organization_id, role, type, pair_key, ids).
-- updated_at stays updatable because Drizzle's $onUpdate sends it (the trigger overrides it).
revoke update on public.general_users, public.general_user_profiles, public.addresses,
  public.organizations, public.corporate_users, public.chat_rooms, public.user_chats,
  public.messages, public.virtual_users, public.virtual_user_profiles, public.virtual_user_chats,
  public.embeddings
  from anon, authenticated;
--> statement-breakpoint
grant update (display_name, account_name, avatar_url, updated_at) on public.general_users to authenticated;
--> statement-breakpoint
grant update (bio, birthday, website, location, updated_at) on public.general_user_profiles to authenticated;
--> statement-breakpoint
grant update (label, postal_code, country, region, city, line1, line2, is_default, updated_at)
  on public.addresses to authenticated;
--> statement-breakpoint
grant update (name, slug, updated_at) on public.organizations to authenticated;
--> statement-breakpoint
grant update (display_name, email, updated_at) on public.corporate_users to authenticated;
--> statement-breakpoint
grant update (name, updated_at) on public.chat_rooms to authenticated;
--> statement-breakpoint
grant update (last_read_at) on public.user_chats to authenticated;
--> statement-breakpoint
grant update (content, edited_at) on public.messages to authenticated;
--> statement-breakpoint
grant update (content, embedding) on public.embeddings to authenticated;
--> statement-breakpoint
-- TRUNCATE ignores row level security: no API role may use it (Supabase's defaults grant it).
revoke truncate, references, trigger on all tables in schema public from anon, authenticated;
--> statement-breakpoint
alter default privileges in schema public revoke truncate, references, trigger on tables from anon, authenticated;
