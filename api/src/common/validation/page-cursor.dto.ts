import { dto } from './dto-schema.js';

/**
 * Where a newest-first page starts: the (createdAt, id) of the previous page's last row. Lists
 * that page this way (admin user search, security activity) order by both, so rows with the same
 * timestamp are neither skipped nor repeated.
 */
export interface PageCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** The opaque `nextCursor` a page answers with. */
export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

// What a timestamp column holds on both dialects (MySQL's datetime ends at 9999; a date before
// PostgreSQL's 4713 BC made the query fail with a 500).
const CURSOR_TIME_RANGE = { from: Date.UTC(1970, 0, 1), to: Date.UTC(10_000, 0, 1) };

/** A `cursor` query parameter: a `nextCursor` from a previous page, decoded; anything else is a 400. */
export const PageCursorSchema = dto((z) =>
  z
    .string()
    .max(200)
    .transform((value, ctx): PageCursor => {
      const [iso, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
      const createdAt = new Date(iso ?? '');
      const time = createdAt.getTime();
      const inRange = time >= CURSOR_TIME_RANGE.from && time < CURSOR_TIME_RANGE.to;
      if (!inRange || !z.uuid().safeParse(id).success) {
        ctx.addIssue({ code: 'custom', message: 'must be a nextCursor from a previous page' });
        return z.NEVER;
      }
      // Lowered like path ids (IdParamsSchema): the engines compare case differently.
      return { createdAt, id: (id as string).toLowerCase() };
    }),
);
