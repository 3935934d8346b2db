import { relations } from 'drizzle-orm'
import { embeddings } from '../ai/embeddings'
import { chatRooms } from '../chat/chat-rooms'
import { messages } from '../chat/messages'
import { userChats } from '../chat/user-chats'
import { addresses } from './addresses'
import { generalUsers } from './general-users'
import { generalUserProfiles } from './profiles'

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
