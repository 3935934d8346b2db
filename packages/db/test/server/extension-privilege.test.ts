// Where the migrating role is not a superuser (as Supabase's postgres is not), pgvector must
// have been enabled for it: db:migrate says how, instead of a bare permission error.
import { afterAll, expect, it } from 'vitest'
import { readEnv } from '../../src/db/env.ts'
import { migrate } from '../../src/migrations/migrate.ts'
import { openTarget } from '../../src/migrations/target.ts'
import { adminUrl, dropDatabase, withAdmin } from '../server-admin.ts'

const base = readEnv().TEST_DATABASE_URL as string
const suffix = `${process.pid}_${Date.now().toString(36)}`
const role = `app_db_owner_${suffix}`
const database = `app_db_no_ext_${suffix}`

afterAll(async () => {
  await dropDatabase(base, database)
  await withAdmin(base, (sql) => sql.unsafe(`drop role if exists "${role}"`))
})

it('a role that may not create extensions is told to enable vector first', async () => {
  await withAdmin(base, async (sql) => {
    await sql.unsafe(`create role "${role}" login nosuperuser`)
    await sql.unsafe(`create database "${database}" owner "${role}"`)
  })
  // A Supabase-made auth schema (not the stand-in's): db:migrate leaves the environment alone.
  await withAdmin(adminUrl(base, database), (sql) => sql.unsafe('create schema auth'))
  const url = new URL(adminUrl(base, database))
  url.username = role
  const target = await openTarget({ url: url.toString() })
  try {
    await expect(migrate(target.runner)).rejects.toThrow(
      /permission denied to create extension "vector": enable pgvector first.*Database → Extensions/,
    )
  } finally {
    await target.close()
  }
})
