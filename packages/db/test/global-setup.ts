// Per lane, once per run: build a migrated database that every test file then copies.
// server: a template database (CREATE DATABASE … TEMPLATE is a file copy);
// embedded: a dumped PGlite data dir (loading it takes ~0.8 s; a fresh boot + migrate ~5 s).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import type { TestProject } from 'vitest/node'
import { readEnv } from '../src/db/env.ts'
import { migrate } from '../src/migrations/migrate.ts'
import { pgliteRunner } from '../src/migrations/sql-runner.ts'
import { openTarget } from '../src/migrations/target.ts'
import { adminUrl, dropDatabase, withAdmin } from './server-admin.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    lane: 'embedded' | 'server'
    /** embedded: path of the dumped data dir; server: name of the template database. */
    migrated: string
  }
}

export default async function setup(project: TestProject) {
  const lane = project.name === 'server' ? 'server' : 'embedded'
  project.provide('lane', lane)
  return lane === 'server' ? setupServer(project) : setupEmbedded(project)
}

async function setupEmbedded(project: TestProject) {
  const pg = new PGlite({ extensions: { vector } })
  await migrate(pgliteRunner(pg))
  const dump = await pg.dumpDataDir('none')
  await pg.close()
  const dir = mkdtempSync(join(tmpdir(), 'app-db-test-'))
  const file = join(dir, 'migrated.tar')
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()))
  project.provide('migrated', file)
  return () => rmSync(dir, { recursive: true, force: true })
}

async function setupServer(project: TestProject) {
  const url = readEnv().TEST_DATABASE_URL
  if (!url) throw new Error('the server lane needs TEST_DATABASE_URL')
  const template = `app_db_tpl_${process.pid}_${Date.now().toString(36)}`
  await withAdmin(url, (sql) => sql.unsafe(`create database "${template}"`))
  const target = await openTarget({ url: adminUrl(url, template) })
  try {
    await migrate(target.runner)
  } finally {
    await target.close()
  }
  project.provide('migrated', template)
  return () => dropDatabase(url, template)
}
