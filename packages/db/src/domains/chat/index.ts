export * from './chat-rooms'
export * from './messages'
export * from './relations'
export * from './user-chats'
