/**
 * Paging and id filters of list routes, parsed one way on every surface (admin API and
 * dashboard): bounded, so no database is ever handed a value its column cannot hold (a `before`
 * of 2^63 was a PostgreSQL "bigint out of range" and a 500). A blank value (an empty form field)
 * is no value.
 */
import { z } from 'zod';

const INT64_MAX = 9_223_372_036_854_775_807n;
const blank = (v: unknown) => (v === '' ? undefined : v);

/** A row id to page from (`before`, `after`): 1–19 digits, at most 2^63 − 1; kept as text. */
export const rowIdCursor = z.preprocess(
  blank,
  z
    .string()
    .refine((v) => /^\d{1,19}$/.test(v) && BigInt(v) <= INT64_MAX, 'a numeric id, at most 9223372036854775807')
    .optional(),
);

/** A time to page from, in epoch milliseconds. */
export const timeCursor = z.preprocess(blank, z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER, `at most ${Number.MAX_SAFE_INTEGER}`).optional());

/** A positive numeric id (merchantId and the like), as a filter or a route parameter. */
export const positiveId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER, `at most ${Number.MAX_SAFE_INTEGER}`);

/** An optional positive numeric id filter. */
export const idFilter = z.preprocess(blank, positiveId.optional());

/** How many rows a page holds, 1 … max. */
export const pageLimit = (max: number) => z.coerce.number().int().min(1).max(max).optional();
