export * from './corporate-users'
export * from './invitations'
export * from './organizations'
export * from './relations'
