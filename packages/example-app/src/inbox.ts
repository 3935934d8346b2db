// What an app's server code looks like on top of @app/db: a database handle from the client
// factory, the schema for queries, and every user-facing read run as that user with rls().
import type { Db } from '@app/db/client'
import { messages, userChats } from '@app/db/schema'
import { desc, eq } from 'drizzle-orm'

export type InboxRoom = { id: string; name: string | null; lastMessage: string | null }

/** The signed-in user's rooms with their newest message, as that user (RLS applies). */
export function inbox(db: Db, userId: string): Promise<InboxRoom[]> {
  return db.rls({ sub: userId }, async (tx) => {
    // One statement: the relational API joins the newest message laterally (no N+1). The
    // membership filter is explicit too, so the query never relies on the policy alone.
    const memberships = await tx.query.userChats.findMany({
      where: eq(userChats.userId, userId),
      with: {
        room: {
          columns: { id: true, name: true },
          with: {
            messages: {
              columns: { content: true },
              orderBy: [desc(messages.createdAt), desc(messages.id)],
              limit: 1,
            },
          },
        },
      },
    })
    return memberships
      .map(({ room }) => ({
        id: room.id,
        name: room.name,
        lastMessage: room.messages[0]?.content ?? null,
      }))
      .sort((a, b) => a.id.localeCompare(b.id))
  })
}
