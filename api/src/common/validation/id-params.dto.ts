import { type DtoType, dto } from './dto-schema.js';

/** `/:id` path parameters: every resource here (users, files, sessions, API keys) has a UUID id. */
export const IdParamsSchema = dto((z) => z.object({ id: z.uuid({ message: 'must be a UUID' }) }));
export type IdParams = DtoType<typeof IdParamsSchema>;
