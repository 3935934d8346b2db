// A table's access contract, declared in the table's own file beside its policies: what RLS
// cannot say. Policies decide which rows; the contract decides which columns API roles may
// change or read, and which fields are the server's whatever an API role writes. The grants
// follow from it (accessGrantsSql), and test/access-contract.test.ts fails when the catalog
// and the declarations disagree, so a table that declares nothing grants no UPDATE at all.
import { getTableColumns, getTableName } from 'drizzle-orm'
import { toSnakeCase } from 'drizzle-orm/casing'
import { getTableConfig, type PgPolicyToOption, type PgTable } from 'drizzle-orm/pg-core'

/** The roles PostgREST runs requests as; service_role and the owner are trusted server code. */
export const apiRoles = ['anon', 'authenticated'] as const
export type ApiRole = (typeof apiRoles)[number]
export const privileges = ['select', 'insert', 'update', 'delete'] as const
export type Privilege = (typeof privileges)[number]

/**
 * What the database puts in a server-owned field when an API role inserts a row, whatever the
 * row said: a fresh cuid, the transaction's time, null, or the identity sequence
 * (`GENERATED ALWAYS`, which refuses a chosen value outright).
 */
export type ServerValue = 'cuid' | 'now' | 'null' | 'identity'

type ColumnKey<T extends PgTable> = Extract<keyof T['_']['columns'], string>

export type AccessContract<T extends PgTable = PgTable> = {
  table: T
  /** Columns API roles may UPDATE (where an update policy lets them reach the row). */
  updatable: readonly ColumnKey<T>[]
  /** Columns API roles may SELECT; omitted: every column (the policies pick the rows). */
  readable?: readonly ColumnKey<T>[]
  /** Fields the server fills when anon or authenticated insert (ids, creation times). */
  serverOwned: Partial<Record<ColumnKey<T>, ServerValue>>
}

export function defineAccess<T extends PgTable>(
  table: T,
  contract: Omit<AccessContract<T>, 'table'>,
): AccessContract<T> {
  return { table, ...contract }
}

/** The SQL name of a table's column, from its TypeScript key. */
export const sqlColumnName = (table: PgTable, key: string): string => {
  const column = getTableColumns(table)[key]
  if (!column) throw new Error(`${getTableName(table)} has no column ${key}`)
  // Keys are mapped to SQL names by the `casing: 'snake_case'` option (client, drizzle.config).
  return column.keyAsName ? toSnakeCase(column.name) : column.name
}

const roleNames = (to: PgPolicyToOption | undefined): string[] =>
  to === undefined
    ? ['public']
    : Array.isArray(to)
      ? to.flatMap(roleNames)
      : [typeof to === 'string' ? to : to.name]

/** The privileges a role needs: one per operation that some policy of the table grants it. */
export function policyPrivileges(table: PgTable, role: ApiRole): Privilege[] {
  const granted = new Set<Privilege>()
  for (const policy of getTableConfig(table).policies) {
    const roles = roleNames(policy.to)
    if (!roles.includes(role) && !roles.includes('public')) continue
    const ops = policy.for === undefined || policy.for === 'all' ? privileges : [policy.for]
    for (const op of ops) granted.add(op)
  }
  return privileges.filter((p) => granted.has(p))
}

export type ExpectedGrant = {
  role: ApiRole
  privilege: Privilege
  /** null: the whole table; else exactly these columns (snake_case). */
  columns: string[] | null
}

/** Every grant a role should hold on the table: what its policies use, narrowed by the contract. */
export function expectedGrants(contract: AccessContract): ExpectedGrant[] {
  const { table } = contract
  const grants: ExpectedGrant[] = []
  for (const role of apiRoles) {
    for (const privilege of policyPrivileges(table, role)) {
      if (privilege === 'update') {
        if (contract.updatable.length === 0) continue
        grants.push({
          role,
          privilege,
          columns: contract.updatable.map((k) => sqlColumnName(table, k)).sort(),
        })
      } else if (privilege === 'select' && contract.readable) {
        grants.push({
          role,
          privilege,
          columns: contract.readable.map((k) => sqlColumnName(table, k)).sort(),
        })
      } else {
        grants.push({ role, privilege, columns: null })
      }
    }
  }
  return grants
}

/** The server-owned fields as the trigger's arguments, `column:value` (identity excluded). */
export function serverOwnedArguments(contract: AccessContract): string[] {
  return Object.entries(contract.serverOwned as Record<string, ServerValue>)
    .filter(([, value]) => value !== 'identity')
    .map(([key, value]) => `${sqlColumnName(contract.table, key)}:${value}`)
}

/**
 * The grants that make the catalog match the contracts: for a migration (`pnpm db:generate
 * --custom`), and printed by the contract test when they disagree.
 */
export function accessGrantsSql(contracts: readonly AccessContract[]): string {
  const lines: string[] = []
  for (const contract of contracts) {
    const table = `public.${getTableName(contract.table)}`
    lines.push(`revoke all on ${table} from anon, authenticated;`)
    for (const g of expectedGrants(contract)) {
      const cols = g.columns ? ` (${g.columns.join(', ')})` : ''
      lines.push(`grant ${g.privilege}${cols} on ${table} to ${g.role};`)
    }
  }
  return lines.join('\n')
}

/** The server_owned_fields triggers of the contracts, as a migration would create them. */
export function serverOwnedTriggersSql(contracts: readonly AccessContract[]): string {
  return contracts
    .map((contract) => ({
      table: getTableName(contract.table),
      args: serverOwnedArguments(contract),
    }))
    .filter(({ args }) => args.length > 0)
    .map(
      ({ table, args }) =>
        `create or replace trigger server_owned_fields before insert on public.${table} ` +
        `for each row execute function private.server_owned_fields(${args.map((a) => `'${a}'`).join(', ')});`,
    )
    .join('\n')
}
