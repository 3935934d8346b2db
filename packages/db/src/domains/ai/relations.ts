import { relations } from 'drizzle-orm'
import { chatRooms } from '../chat/chat-rooms.ts'
import { messages } from '../chat/messages.ts'
import { organizations } from '../organizations/organizations.ts'
import { generalUsers } from '../users/general-users.ts'
import { embeddings } from './embeddings.ts'
import { virtualUserChats } from './virtual-user-chats.ts'
import { virtualUserProfiles } from './virtual-user-profiles.ts'
import { virtualUsers } from './virtual-users.ts'

export const virtualUsersRelations = relations(virtualUsers, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [virtualUsers.organizationId],
    references: [organizations.id],
  }),
  profile: one(virtualUserProfiles),
  chats: many(virtualUserChats),
  messages: many(messages),
}))

export const virtualUserProfilesRelations = relations(virtualUserProfiles, ({ one }) => ({
  virtualUser: one(virtualUsers, {
    fields: [virtualUserProfiles.virtualUserId],
    references: [virtualUsers.id],
  }),
}))

export const virtualUserChatsRelations = relations(virtualUserChats, ({ one }) => ({
  room: one(chatRooms, { fields: [virtualUserChats.chatRoomId], references: [chatRooms.id] }),
  virtualUser: one(virtualUsers, {
    fields: [virtualUserChats.virtualUserId],
    references: [virtualUsers.id],
  }),
}))

export const embeddingsRelations = relations(embeddings, ({ one }) => ({
  user: one(generalUsers, { fields: [embeddings.userId], references: [generalUsers.id] }),
}))
