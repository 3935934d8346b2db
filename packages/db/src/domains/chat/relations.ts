import { relations } from 'drizzle-orm'
import { virtualUserChats } from '../ai/virtual-user-chats.ts'
import { virtualUsers } from '../ai/virtual-users.ts'
import { generalUsers } from '../users/general-users.ts'
import { chatRooms } from './chat-rooms.ts'
import { messages } from './messages.ts'
import { userChats } from './user-chats.ts'

export const chatRoomsRelations = relations(chatRooms, ({ one, many }) => ({
  creator: one(generalUsers, { fields: [chatRooms.createdBy], references: [generalUsers.id] }),
  members: many(userChats),
  virtualMembers: many(virtualUserChats),
  messages: many(messages),
}))

export const userChatsRelations = relations(userChats, ({ one }) => ({
  room: one(chatRooms, { fields: [userChats.chatRoomId], references: [chatRooms.id] }),
  user: one(generalUsers, { fields: [userChats.userId], references: [generalUsers.id] }),
}))

export const messagesRelations = relations(messages, ({ one }) => ({
  room: one(chatRooms, { fields: [messages.chatRoomId], references: [chatRooms.id] }),
  senderUser: one(generalUsers, {
    fields: [messages.senderUserId],
    references: [generalUsers.id],
  }),
  senderVirtualUser: one(virtualUsers, {
    fields: [messages.senderVirtualUserId],
    references: [virtualUsers.id],
  }),
}))
