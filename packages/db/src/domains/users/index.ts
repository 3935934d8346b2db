export * from './addresses.ts'
export * from './general-users.ts'
export * from './profiles.ts'
export * from './relations.ts'
