// Chat queries on both lanes: rooms, messages, pagination, unread counts, the service path.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows } from '../../src/db/client.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/errors/errors.ts'
import { pgErrorInfo } from '../../src/errors/pg-error.ts'
import {
  addVirtualUserToRoom,
  createGroupRoom,
  deleteMessage,
  editMessage,
  leaveRoom,
  listMessages,
  listMyRooms,
  markRead,
  openPrivateRoom,
  postVirtualUserReply,
  rejoinRoom,
  sendMessage,
} from '../../src/queries.ts'
import { chatRooms, messages, userChats, virtualUsers } from '../../src/schema.ts'
import { asServiceRole, asUser, createTestUser, type TestUser } from '../../src/testing/index.ts'
import { lane, openTestDatabase, type TestDatabase } from '../lanes.ts'

/** What Postgres answered to a write that must be refused (a raw Drizzle write: unmapped). */
const refusal = (write: Promise<unknown>) =>
  write.then(
    () => 'accepted',
    (e: unknown) => {
      const pg = pgErrorInfo(e)
      return pg ? { code: pg.code, message: pg.message } : e
    },
  )

let t: TestDatabase
let alice: TestUser
let bob: TestUser
let carol: TestUser
let groupId: string
beforeAll(async () => {
  t = await openTestDatabase()
  alice = await createTestUser(t.db, { metadata: { account_name: 'alice' } })
  bob = await createTestUser(t.db, { metadata: { account_name: 'bob' } })
  carol = await createTestUser(t.db, { metadata: { account_name: 'carol' } })
  const group = await asUser(t.db, alice, (tx) =>
    createGroupRoom(tx, { userId: alice.id, name: 'Team', memberIds: [bob.id] }),
  )
  groupId = group.id
})
afterAll(() => t?.close())

describe(`chat queries (${lane})`, () => {
  it('opens the same private room for a pair, from either side, also concurrently', async () => {
    const dave = await createTestUser(t.db)
    const erin = await createTestUser(t.db)
    const [a, b] = await Promise.all([
      asUser(t.db, dave, (tx) => openPrivateRoom(tx, { userId: dave.id, otherUserId: erin.id })),
      asUser(t.db, erin, (tx) => openPrivateRoom(tx, { userId: erin.id, otherUserId: dave.id })),
    ])
    expect(a.id).toBe(b.id)
    const again = await asUser(t.db, dave, (tx) =>
      openPrivateRoom(tx, { userId: dave.id, otherUserId: erin.id }),
    )
    expect(again.id).toBe(a.id)
    expect(await t.db.$count(chatRooms, sql`${chatRooms.type} = 'PRIVATE'`)).toBe(1)
  })

  it('refuses a private room with oneself or with nobody', async () => {
    await expect(
      asUser(t.db, alice, (tx) => openPrivateRoom(tx, { userId: alice.id, otherUserId: alice.id })),
    ).rejects.toThrow(ValidationError)
    await expect(
      asUser(t.db, alice, (tx) =>
        openPrivateRoom(tx, {
          userId: alice.id,
          otherUserId: '00000000-0000-4000-8000-000000000001',
        }),
      ),
    ).rejects.toThrow(NotFoundError)
  })

  it('creates a group room with its members; an unknown member fails the whole room', async () => {
    const room = await asUser(t.db, bob, (tx) =>
      createGroupRoom(tx, { userId: bob.id, name: 'Pair', memberIds: [carol.id] }),
    )
    expect(room.memberIds.sort()).toEqual([bob.id, carol.id].sort())
    const before = await t.db.$count(chatRooms)
    await expect(
      asUser(t.db, bob, (tx) =>
        createGroupRoom(tx, {
          userId: bob.id,
          name: 'Ghosts',
          memberIds: ['00000000-0000-4000-8000-000000000002'],
        }),
      ),
    ).rejects.toThrow(NotFoundError)
    expect(await t.db.$count(chatRooms)).toBe(before)
  })

  it('sends as a member; a stranger finds no room; bad content names the field', async () => {
    const sent = await asUser(t.db, bob, (tx) =>
      sendMessage(tx, { userId: bob.id, roomId: groupId, content: '  hi team  ' }),
    )
    expect(sent).toMatchObject({ senderUserId: bob.id, content: 'hi team', chatRoomId: groupId })
    await expect(
      asUser(t.db, carol, (tx) =>
        sendMessage(tx, { userId: carol.id, roomId: groupId, content: 'let me in' }),
      ),
    ).rejects.toThrow(NotFoundError)
    const error = await sendMessage(t.db, {
      userId: bob.id,
      roomId: groupId,
      content: ' ',
    }).catch((e: unknown) => e)
    expect((error as ValidationError).issues[0]?.path).toEqual(['content'])
  })

  it('pages newest first with no duplicates or gaps while messages keep arriving', async () => {
    const room = await asUser(t.db, alice, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Paging', memberIds: [] }),
    )
    // One statement: 25 messages with the same created_at, so the id decides the order.
    await t.db.insert(messages).values(
      Array.from({ length: 25 }, (_, i) => ({
        chatRoomId: room.id,
        senderUserId: alice.id,
        content: `m${i}`,
      })),
    )
    const original = (await listMessages(t.db, { roomId: room.id, limit: 100 })).messages.map(
      (m) => m.id,
    )
    const seen: string[] = []
    let cursor: Awaited<ReturnType<typeof listMessages>>['nextCursor'] = null
    for (let page = 0; page < 3; page++) {
      const result = await asUser(t.db, alice, (tx) =>
        listMessages(tx, { roomId: room.id, limit: 10, ...(cursor ? { before: cursor } : {}) }),
      )
      seen.push(...result.messages.map((m) => m.id))
      cursor = result.nextCursor
      await sendMessage(t.db, { userId: alice.id, roomId: room.id, content: `new ${page}` })
    }
    expect(seen).toEqual(original)
    expect(cursor).toBeNull()
    // A stranger gets what a room that does not exist gets: NotFoundError on roomId.
    for (const roomId of [room.id, 'z00000000000000000000000']) {
      const error = await asUser(t.db, carol, (tx) => listMessages(tx, { roomId })).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(NotFoundError)
      expect((error as NotFoundError).field).toBe('roomId')
    }
  })

  it('lists my rooms with the last message and unread count; mark read clears it', async () => {
    const room = await asUser(t.db, alice, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Unread', memberIds: [bob.id] }),
    )
    for (const content of ['one', 'two', 'three']) {
      await asUser(t.db, bob, (tx) => sendMessage(tx, { userId: bob.id, roomId: room.id, content }))
    }
    await asUser(t.db, alice, (tx) =>
      sendMessage(tx, { userId: alice.id, roomId: room.id, content: 'mine' }),
    )
    const rooms = await asUser(t.db, alice, (tx) => listMyRooms(tx, { userId: alice.id }))
    const summary = rooms.find((r) => r.id === room.id)
    expect(summary).toMatchObject({ name: 'Unread', unreadCount: 3 })
    expect(summary?.lastMessage?.content).toBe('mine')
    expect(rooms.map((r) => r.id)).toContain(groupId)
    await asUser(t.db, alice, (tx) => markRead(tx, { userId: alice.id, roomId: room.id }))
    const after = await asUser(t.db, alice, (tx) => listMyRooms(tx, { userId: alice.id }))
    expect(after.find((r) => r.id === room.id)?.unreadCount).toBe(0)
    expect(await asUser(t.db, carol, (tx) => listMyRooms(tx, { userId: alice.id }))).toEqual([])
    await expect(
      asUser(t.db, carol, (tx) => markRead(tx, { userId: carol.id, roomId: room.id })),
    ).rejects.toThrow(NotFoundError)
  })

  it('edits and deletes only own messages', async () => {
    const message = await asUser(t.db, bob, (tx) =>
      sendMessage(tx, { userId: bob.id, roomId: groupId, content: 'typo' }),
    )
    const edited = await asUser(t.db, bob, (tx) =>
      editMessage(tx, { userId: bob.id, id: message.id, content: 'fixed' }),
    )
    expect(edited.content).toBe('fixed')
    expect(edited.editedAt).toBeInstanceOf(Date)
    await expect(
      asUser(t.db, alice, (tx) =>
        editMessage(tx, { userId: alice.id, id: message.id, content: 'x' }),
      ),
    ).rejects.toThrow(NotFoundError)
    await expect(
      asUser(t.db, alice, (tx) => deleteMessage(tx, { userId: alice.id, id: message.id })),
    ).rejects.toThrow(NotFoundError)
    await asUser(t.db, bob, (tx) => deleteMessage(tx, { userId: bob.id, id: message.id }))
    await expect(
      asUser(t.db, bob, (tx) => deleteMessage(tx, { userId: bob.id, id: message.id })),
    ).rejects.toThrow(NotFoundError)
  })

  it('lets server code add a virtual user and post its replies, only where it is a member', async () => {
    const [vu] = await t.db.insert(virtualUsers).values({ name: 'Helper' }).returning()
    const virtualUserId = vu?.id as string
    await expect(
      asUser(t.db, alice, (tx) => addVirtualUserToRoom(tx, { roomId: groupId, virtualUserId })),
    ).rejects.toThrow(ForbiddenError)
    await expect(
      asServiceRole(t.db, (tx) =>
        postVirtualUserReply(tx, { virtualUserId, roomId: groupId, content: 'too early' }),
      ),
    ).rejects.toThrow(ForbiddenError)
    await asServiceRole(t.db, (tx) => addVirtualUserToRoom(tx, { roomId: groupId, virtualUserId }))
    await asServiceRole(t.db, (tx) => addVirtualUserToRoom(tx, { roomId: groupId, virtualUserId }))
    const reply = await asServiceRole(t.db, (tx) =>
      postVirtualUserReply(tx, { virtualUserId, roomId: groupId, content: 'How can I help?' }),
    )
    expect(reply).toMatchObject({ senderVirtualUserId: virtualUserId, senderUserId: null })
    const page = await asUser(t.db, bob, (tx) => listMessages(tx, { roomId: groupId, limit: 1 }))
    expect(page.messages[0]?.id).toBe(reply.id)
  })
})

describe(`room membership rules (${lane})`, () => {
  it('a private room holds only its pair, whoever adds a third member', async () => {
    const [x, y] = [await createTestUser(t.db), await createTestUser(t.db)]
    const room = await asUser(t.db, x, (tx) =>
      openPrivateRoom(tx, { userId: x.id, otherUserId: y.id }),
    )
    expect(
      await refusal(
        asUser(t.db, x, (tx) =>
          tx.insert(userChats).values({ chatRoomId: room.id, userId: carol.id }),
        ),
      ),
    ).toEqual({ code: '23514', message: expect.stringMatching(/only the two people/) })
    expect(
      await refusal(
        asServiceRole(t.db, (tx) =>
          tx.insert(userChats).values({ chatRoomId: room.id, userId: carol.id }),
        ),
      ),
    ).toEqual({ code: '23514', message: expect.stringMatching(/only the two people/) })
  })

  it('someone who left stays out unless they rejoin themselves', async () => {
    const leaver = await createTestUser(t.db)
    const room = await asUser(t.db, alice, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Leavers', memberIds: [leaver.id] }),
    )
    await asUser(t.db, leaver, (tx) => leaveRoom(tx, { userId: leaver.id, roomId: room.id }))
    expect(
      await refusal(
        asUser(t.db, alice, (tx) =>
          tx.insert(userChats).values({ chatRoomId: room.id, userId: leaver.id }),
        ),
      ),
    ).toEqual({ code: '42501', message: expect.stringMatching(/only they can rejoin/) })
    // A stranger cannot "rejoin" a room they were never in.
    await expect(
      asUser(t.db, carol, (tx) => rejoinRoom(tx, { userId: carol.id, roomId: room.id })),
    ).rejects.toThrow(NotFoundError)
    await asUser(t.db, leaver, (tx) => rejoinRoom(tx, { userId: leaver.id, roomId: room.id }))
    const rooms = await asUser(t.db, leaver, (tx) => listMyRooms(tx, { userId: leaver.id }))
    expect(rooms.map((r) => r.id)).toContain(room.id)
    // Removed by the creator (not left): the creator may add them again.
    await asUser(t.db, alice, (tx) =>
      executeRows(
        tx,
        sql`delete from public.user_chats where chat_room_id = ${room.id} and user_id = ${leaver.id}`,
      ),
    )
    await asUser(t.db, alice, (tx) =>
      tx.insert(userChats).values({ chatRoomId: room.id, userId: leaver.id }),
    )
    await expect(
      asUser(t.db, carol, (tx) => leaveRoom(tx, { userId: carol.id, roomId: room.id })),
    ).rejects.toThrow(NotFoundError)
  })

  it('deleting a private room removes it for the one who deletes it, never the other side', async () => {
    const [x, y] = [await createTestUser(t.db), await createTestUser(t.db)]
    const room = await asUser(t.db, x, (tx) =>
      openPrivateRoom(tx, { userId: x.id, otherUserId: y.id }),
    )
    await asUser(t.db, x, (tx) =>
      sendMessage(tx, { userId: x.id, roomId: room.id, content: 'from x' }),
    )
    await asUser(t.db, y, (tx) =>
      sendMessage(tx, { userId: y.id, roomId: room.id, content: 'from y' }),
    )
    // y deletes the room (as PostgREST would: DELETE on chat_rooms), then x, its creator, too.
    for (const who of [y, x]) {
      await asUser(t.db, who, (tx) =>
        executeRows(tx, sql`delete from public.chat_rooms where id = ${room.id}`),
      )
      if (who === y) {
        const page = await asUser(t.db, x, (tx) => listMessages(tx, { roomId: room.id }))
        expect(page.messages.map((m) => m.content).sort()).toEqual(['from x', 'from y'])
        expect(
          (await asUser(t.db, y, (tx) => listMyRooms(tx, { userId: y.id }))).map((r) => r.id),
        ).not.toContain(room.id)
        // y comes back by opening the room again: the history is still there.
        const back = await asUser(t.db, y, (tx) =>
          openPrivateRoom(tx, { userId: y.id, otherUserId: x.id }),
        )
        expect(back.id).toBe(room.id)
        expect(
          (await asUser(t.db, y, (tx) => listMessages(tx, { roomId: room.id }))).messages,
        ).toHaveLength(2)
        await asUser(t.db, y, (tx) => leaveRoom(tx, { userId: y.id, roomId: room.id }))
      }
    }
    // The last one out: the room and its messages are gone.
    expect(await t.db.$count(chatRooms, sql`${chatRooms.id} = ${room.id}`)).toBe(0)
  })
})

describe(`message times are the server's (${lane})`, () => {
  it('a user cannot date a message, or its edit, through the API', async () => {
    const room = await asUser(t.db, alice, (tx) =>
      createGroupRoom(tx, { userId: alice.id, name: 'Clock', memberIds: [] }),
    )
    const [forged] = await asUser(t.db, alice, (tx) =>
      tx
        .insert(messages)
        .values({
          id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
          chatRoomId: room.id,
          senderUserId: alice.id,
          content: 'from the future',
          createdAt: new Date('2999-01-01T00:00:00Z'),
          editedAt: new Date('2999-01-01T00:00:00Z'),
        })
        .returning(),
    )
    expect(forged?.id).not.toBe('aaaaaaaaaaaaaaaaaaaaaaaa')
    expect(forged?.createdAt.getTime()).toBeLessThan(Date.now() + 60_000)
    expect(forged?.editedAt).toBeNull()
    const [edited] = await asUser(t.db, alice, (tx) =>
      tx
        .update(messages)
        .set({ content: 'fixed', editedAt: new Date('2000-01-01T00:00:00Z') })
        .where(sql`${messages.id} = ${forged?.id}`)
        .returning(),
    )
    expect(edited?.editedAt?.getTime()).toBeGreaterThan(Date.now() - 60_000)
    // Server code keeps control (imports): the owner's connection writes what it is given.
    const [imported] = await t.db
      .insert(messages)
      .values({
        chatRoomId: room.id,
        senderUserId: alice.id,
        content: 'imported',
        createdAt: new Date('2020-01-01T00:00:00Z'),
      })
      .returning()
    expect(imported?.createdAt.toISOString()).toBe('2020-01-01T00:00:00.000Z')
  })
})
