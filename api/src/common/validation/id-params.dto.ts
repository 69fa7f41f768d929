import { type DtoType, dto } from './dto-schema.js';

/**
 * `/:id` path parameters: every resource here (users, files, sessions, API keys) has a UUID id.
 * Ids are stored lowercase, and MySQL's collation compares case-insensitively where PostgreSQL
 * does not: an uppercase id found the row on one engine and not the other, and on MySQL slipped
 * past comparisons made in code (an administrator's own id, ADMIN_SELF_CHANGE). So it is lowered.
 */
export const IdParamsSchema = dto((z) =>
  z.object({ id: z.uuid({ message: 'must be a UUID' }).toLowerCase() }),
);
export type IdParams = DtoType<typeof IdParamsSchema>;
