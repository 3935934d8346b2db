import { sql } from 'drizzle-orm'
import { boolean, check, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { defineAccess } from '../../schema-kit/access'
import { cuidPk, timestamps } from '../../schema-kit/columns'
import { countryCodes } from '../../schema-kit/countries'
import { ownRowsPolicies } from '../../schema-kit/policies'
import { generalUsers } from './general-users'

// Constant list, so inlining it into the check's DDL is safe.
const countryList = sql.raw(countryCodes.map((c) => `'${c}'`).join(', '))

/** Postal addresses of a general user; at most one is the default. */
export const addresses = pgTable(
  'addresses',
  {
    id: cuidPk(),
    userId: uuid()
      .notNull()
      .references(() => generalUsers.id, { onDelete: 'cascade' }),
    label: text(),
    postalCode: text().notNull(),
    /** ISO 3166-1 alpha-2, upper case (`JP`, `US`). */
    country: text({ enum: countryCodes }).notNull(),
    region: text(),
    city: text().notNull(),
    line1: text().notNull(),
    line2: text(),
    isDefault: boolean().notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    index().on(t.userId),
    uniqueIndex('addresses_one_default_per_user').on(t.userId).where(sql`${t.isDefault}`),
    check('addresses_country_iso', sql`${t.country} in (${countryList})`),
    check('addresses_label_length', sql`char_length(${t.label}) <= 50`),
    check(
      'addresses_postal_code_length',
      sql`char_length(btrim(${t.postalCode})) between 1 and 20`,
    ),
    check('addresses_region_length', sql`char_length(${t.region}) <= 100`),
    check('addresses_city_length', sql`char_length(btrim(${t.city})) between 1 and 100`),
    check('addresses_line1_length', sql`char_length(btrim(${t.line1})) between 1 and 200`),
    check('addresses_line2_length', sql`char_length(${t.line2}) <= 200`),
    ...ownRowsPolicies('addresses', t.userId),
  ],
).enableRLS()

export const addressesAccess = defineAccess(addresses, {
  updatable: [
    'label',
    'postalCode',
    'country',
    'region',
    'city',
    'line1',
    'line2',
    'isDefault',
    'updatedAt',
  ],
  serverOwned: { id: 'cuid', createdAt: 'now', updatedAt: 'now' },
})

export type NewAddressRow = typeof addresses.$inferInsert
