import type { Table } from 'drizzle-orm'
import {
  type BuildRefine,
  type BuildSchema,
  createInsertSchema,
  createSelectSchema,
  createUpdateSchema,
} from 'drizzle-zod'
import type { z } from 'zod'
import { type InsertOptionalKey, insertOptional } from './validation.ts'

type Columns<T extends Table> = T['_']['columns']
type Refine<T extends Table> = BuildRefine<Pick<Columns<T>, keyof T['$inferInsert']>, undefined>
type Shape<S> = S extends z.ZodObject<infer Fields> ? Fields : never
type Optional<S, K> = z.ZodObject<{
  [F in keyof Shape<S>]: F extends K ? z.ZodOptional<Shape<S>[F]> : Shape<S>[F]
}>

export type TableSchemas<T extends Table, R extends Refine<T>> = {
  select: BuildSchema<'select', Columns<T>, R, undefined>
  insert: Optional<BuildSchema<'insert', Columns<T>, R, undefined>, InsertOptionalKey<T>>
  update: BuildSchema<'update', Columns<T>, R, undefined>
}

/**
 * A table's three DTOs, built by drizzle-zod with the same field refinements: the row as read,
 * an insert (every column the database fills in optional) and a partial update.
 */
export function tableSchemas<T extends Table, R extends Refine<T>>(
  table: T,
  refine: R,
): TableSchemas<T, R> {
  // drizzle-zod's overloads cannot be resolved for a generic table; the declared return type
  // is what they give for a concrete one.
  const anyTable: Table = table
  const fields = refine as never
  return {
    select: createSelectSchema(anyTable, fields),
    insert: createInsertSchema(anyTable, fields).partial(insertOptional(anyTable)),
    update: createUpdateSchema(anyTable, fields),
  } as unknown as TableSchemas<T, R>
}
