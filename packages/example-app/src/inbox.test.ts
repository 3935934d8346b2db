// The app's own test, on a throwaway migrated database from @app/db/testing.
import type { Db } from '@app/db/client'
import { chatRooms, messages, userChats } from '@app/db/schema'
import { createTestDb, createTestUser, resetDatabase, type TestUser } from '@app/db/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { inbox } from './inbox.ts'

let db: Db
let alice: TestUser
let bob: TestUser
let carol: TestUser

beforeAll(async () => {
  db = await createTestDb()
  alice = await createTestUser(db, { metadata: { name: 'Alice' } })
  bob = await createTestUser(db, { metadata: { name: 'Bob' } })
  carol = await createTestUser(db, { metadata: { name: 'Carol' } })
  const [room] = await db
    .insert(chatRooms)
    .values({ type: 'GROUP', name: 'Team', createdBy: alice.id })
    .returning({ id: chatRooms.id })
  const roomId = room?.id as string
  await db.insert(userChats).values([
    { chatRoomId: roomId, userId: alice.id },
    { chatRoomId: roomId, userId: bob.id },
  ])
  await db.insert(messages).values({ chatRoomId: roomId, senderUserId: bob.id, content: 'hi all' })
})
afterAll(() => db?.close())

it('shows a member their rooms with the newest message', async () => {
  expect(await inbox(db, alice.id)).toEqual([
    { id: expect.any(String), name: 'Team', lastMessage: 'hi all', unread: 1 },
  ])
})

it('shows a stranger nothing', async () => {
  expect(await inbox(db, carol.id)).toEqual([])
})

it('resetDatabase() empties users and rooms', async () => {
  await resetDatabase(db)
  expect(await inbox(db, alice.id)).toEqual([])
  expect(await db.$count(chatRooms)).toBe(0)
})
