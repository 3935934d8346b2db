-- The planner assumes a set-returning function returns 1000 rows. For the membership helpers
-- that estimate picks a hash join over a sequential scan of every message: "newest messages
-- across my rooms" took ~250 ms at 1M messages (pnpm bench, 2b). A member is in a handful of
-- rooms and one organization; with these estimates the same query walks the room index: ~6 ms.
alter function private.my_room_ids() rows 10;
--> statement-breakpoint
alter function private.my_organization_ids() rows 1;
--> statement-breakpoint
alter function private.my_admin_organization_ids() rows 1;
