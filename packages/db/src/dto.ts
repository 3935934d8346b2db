// `@app/db/dto`: the zod schemas that validate input and type output, per domain.
export * from './domains/ai/dto.ts'
export * from './domains/chat/dto.ts'
export * from './domains/organizations/dto.ts'
export * from './domains/users/dto.ts'
export { cuidSchema, userIdSchema, validate } from './dto-kit/validation.ts'
