import { sql } from 'drizzle-orm'
import { boolean, check, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { defineAccess } from '../../schema-kit/access.ts'
import { cuidPk, timestamps } from '../../schema-kit/columns.ts'
import { countryCodes } from '../../schema-kit/countries.ts'
import { lengthSql } from '../../schema-kit/lengths.ts'
import { ownRowsPolicies } from '../../schema-kit/policies.ts'
import { generalUsers } from './general-users.ts'

/** Length limits of the text columns, read by the CHECKs below and by the DTOs. */
export const addressLengths = {
  label: { max: 50 },
  postalCode: { min: 1, max: 20 },
  region: { max: 100 },
  city: { min: 1, max: 100 },
  line1: { min: 1, max: 200 },
  line2: { max: 200 },
} as const

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
    check('addresses_label_length', lengthSql(t.label, addressLengths.label)),
    check(
      'addresses_postal_code_length',
      lengthSql(t.postalCode, addressLengths.postalCode, 'spaces'),
    ),
    check('addresses_region_length', lengthSql(t.region, addressLengths.region)),
    check('addresses_city_length', lengthSql(t.city, addressLengths.city, 'spaces')),
    check('addresses_line1_length', lengthSql(t.line1, addressLengths.line1, 'spaces')),
    check('addresses_line2_length', lengthSql(t.line2, addressLengths.line2)),
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
