// Every Postgres enum of the schema, in one module.
import { pgEnum } from 'drizzle-orm/pg-core'

export const corporateRoles = ['OWNER', 'ADMIN', 'MEMBER'] as const
export const corporateRole = pgEnum('corporate_role', corporateRoles)
export type CorporateRole = (typeof corporateRoles)[number]

export const chatRoomTypes = ['PRIVATE', 'GROUP'] as const
export const chatRoomType = pgEnum('chat_room_type', chatRoomTypes)
export type ChatRoomType = (typeof chatRoomTypes)[number]
