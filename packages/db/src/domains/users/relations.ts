import { relations } from 'drizzle-orm'
import { embeddings } from '../ai/embeddings.ts'
import { chatRooms } from '../chat/chat-rooms.ts'
import { messages } from '../chat/messages.ts'
import { userChats } from '../chat/user-chats.ts'
import { addresses } from './addresses.ts'
import { generalUsers } from './general-users.ts'
import { generalUserProfiles } from './profiles.ts'

export const generalUsersRelations = relations(generalUsers, ({ one, many }) => ({
  profile: one(generalUserProfiles),
  addresses: many(addresses),
  createdRooms: many(chatRooms),
  chats: many(userChats),
  messages: many(messages),
  embeddings: many(embeddings),
}))

export const generalUserProfilesRelations = relations(generalUserProfiles, ({ one }) => ({
  user: one(generalUsers, { fields: [generalUserProfiles.userId], references: [generalUsers.id] }),
}))

export const addressesRelations = relations(addresses, ({ one }) => ({
  user: one(generalUsers, { fields: [addresses.userId], references: [generalUsers.id] }),
}))
