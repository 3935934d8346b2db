export * from './addresses'
export * from './general-users'
export * from './profiles'
export * from './relations'
