// `@app/db/dto`: the zod schemas that validate input and type output, per domain.
export * from './domains/ai/dto'
export * from './domains/chat/dto'
export * from './domains/organizations/dto'
export * from './domains/users/dto'
export { cuidSchema, userIdSchema, validate } from './dto-kit/validation'
