export * from './corporate-users.ts'
export * from './invitations.ts'
export * from './organizations.ts'
export * from './relations.ts'
