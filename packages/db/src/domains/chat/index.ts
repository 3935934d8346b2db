export * from './chat-rooms.ts'
export * from './messages.ts'
export * from './relations.ts'
export * from './user-chats.ts'
