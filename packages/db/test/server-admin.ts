// Creating and dropping the server lane's databases, through the TEST_DATABASE_URL's database.
import postgres from 'postgres'
import { SEARCH_PATH } from '../src/db/search-path.ts'

export function adminUrl(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

export async function withAdmin<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>) {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** A fresh copy of the migrated template. Per-database settings are not copied: set them. */
export async function cloneDatabase(url: string, template: string, name: string) {
  await withAdmin(url, async (sql) => {
    await sql.unsafe(`create database "${name}" template "${template}"`)
    await sql.unsafe(`alter database "${name}" set search_path = ${SEARCH_PATH}`)
  })
}

export async function dropDatabase(url: string, name: string) {
  await withAdmin(url, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`))
}
