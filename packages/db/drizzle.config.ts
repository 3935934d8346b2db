// drizzle-kit: `pnpm db:generate` writes SQL migrations into supabase/migrations, named the
// way the Supabase CLI reads them (YYYYMMDDHHMMSS_name.sql; it ignores meta/).
// Never `drizzle-kit push`: 0.31 creates policies without USING / WITH CHECK (drizzle #3504).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: '../../supabase/migrations',
  casing: 'snake_case',
  migrations: { prefix: 'supabase' },
  // Supabase's roles (anon, authenticated, …) exist already; drizzle-kit must not manage them.
  entities: { roles: { provider: 'supabase' } },
  schemaFilter: ['public'],
  strict: true,
  verbose: true,
})
