// What an app's server code looks like on top of @app/db: a database handle from the client
// factory, a query function from @app/db/queries, run as the signed-in user with rls().
import type { Db } from '@app/db/client'
import { listMyRooms, type RoomSummary } from '@app/db/queries'

export type InboxRoom = {
  id: string
  name: string | null
  lastMessage: string | null
  unread: number
}

/** The signed-in user's rooms with their newest message and unread count (RLS applies). */
export async function inbox(db: Db, userId: string): Promise<InboxRoom[]> {
  const rooms: RoomSummary[] = await db.rls({ sub: userId }, (tx) => listMyRooms(tx, { userId }))
  return rooms.map((room) => ({
    id: room.id,
    name: room.name,
    lastMessage: room.lastMessage?.content ?? null,
    unread: room.unreadCount,
  }))
}
