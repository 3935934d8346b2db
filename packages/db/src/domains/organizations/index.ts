export * from './corporate-users'
export * from './organizations'
export * from './relations'
