// `@app/db/realtime`: a room's private Realtime channel for the client, without the driver.
export * from './domains/chat/room-broadcasts.ts'
