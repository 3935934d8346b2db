-- allow-destructive: the policies dropped here are replaced in this file by stricter ones (bots visible to their organization only, rooms a member left, private rooms deleted for one person), and corporate_users' INSERT/DELETE policies are replaced by the membership functions of organization_membership_rules
CREATE TABLE "organization_invitations" (
	"id" text PRIMARY KEY DEFAULT public.generate_cuid() NOT NULL,
	"organization_id" text NOT NULL,
	"invitee_id" uuid NOT NULL,
	"role" "corporate_role" DEFAULT 'MEMBER' NOT NULL,
	"invited_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organization_invitations_organization_invitee_key" UNIQUE("organization_id","invitee_id")
);
--> statement-breakpoint
ALTER TABLE "organization_invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "embeddings" ALTER COLUMN "id" SET GENERATED ALWAYS;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_invitee_id_users_id_fk" FOREIGN KEY ("invitee_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "auth"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organization_invitations_invitee_id_index" ON "organization_invitations" USING btree ("invitee_id");--> statement-breakpoint
CREATE INDEX "organization_invitations_invited_by_index" ON "organization_invitations" USING btree ("invited_by");--> statement-breakpoint
ALTER TABLE "chat_rooms" ADD CONSTRAINT "chat_rooms_pair_key_format" CHECK ("chat_rooms"."pair_key" ~ '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' and split_part("chat_rooms"."pair_key", ':', 1) collate "C" < split_part("chat_rooms"."pair_key", ':', 2) collate "C");--> statement-breakpoint
DROP POLICY "signed-in users can read virtual user profiles" ON "virtual_user_profiles" CASCADE;--> statement-breakpoint
DROP POLICY "signed-in users can read virtual users" ON "virtual_users" CASCADE;--> statement-breakpoint
DROP POLICY "members and the creator can read a room" ON "chat_rooms" CASCADE;--> statement-breakpoint
DROP POLICY "creators can delete their rooms" ON "chat_rooms" CASCADE;--> statement-breakpoint
DROP POLICY "room creators can add members" ON "user_chats" CASCADE;--> statement-breakpoint
DROP POLICY "owners and admins can add corporate users" ON "corporate_users" CASCADE;--> statement-breakpoint
DROP POLICY "owners and admins can remove corporate users" ON "corporate_users" CASCADE;--> statement-breakpoint
CREATE POLICY "users can read the profiles of the bots they can see" ON "virtual_user_profiles" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("virtual_user_profiles"."virtual_user_id" in (select v.id from public.virtual_users v));--> statement-breakpoint
CREATE POLICY "users can read the bots of the app, their organization and their rooms" ON "virtual_users" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("virtual_users"."organization_id" is null or "virtual_users"."organization_id" in (select private.my_organization_ids()) or "virtual_users"."id" in (select vc.virtual_user_id from public.virtual_user_chats vc where vc.chat_room_id in (select private.my_room_ids())));--> statement-breakpoint
CREATE POLICY "members, former members and the creator can read a room" ON "chat_rooms" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("chat_rooms"."id" in (select private.my_room_ids()) or "chat_rooms"."created_by" = (select auth.uid()) or "chat_rooms"."id" in (select private.my_departed_room_ids()));--> statement-breakpoint
CREATE POLICY "creators can delete their rooms and members can delete a private room" ON "chat_rooms" AS PERMISSIVE FOR DELETE TO "authenticated" USING ("chat_rooms"."created_by" = (select auth.uid()) or ("chat_rooms"."type" = 'PRIVATE' and "chat_rooms"."id" in (select private.my_room_ids())));--> statement-breakpoint
CREATE POLICY "room creators can add members and former members can rejoin" ON "user_chats" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ("user_chats"."chat_room_id" in (select id from public.chat_rooms where created_by = (select auth.uid())) or ("user_chats"."user_id" = (select auth.uid()) and "user_chats"."chat_room_id" in (select private.my_departed_room_ids())));--> statement-breakpoint
CREATE POLICY "invitees and organization admins can read invitations" ON "organization_invitations" AS PERMISSIVE FOR SELECT TO "authenticated" USING ("organization_invitations"."invitee_id" = (select auth.uid()) or "organization_invitations"."organization_id" in (select private.my_admin_organization_ids()));