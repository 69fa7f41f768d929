import type { QueryId } from 'kysely';
import { describe, expect, it } from 'vitest';
import { RowMappingCamelCasePlugin } from './row-mapping-camel-case.plugin.js';

describe('RowMappingCamelCasePlugin', () => {
  it('maps rows synchronously exactly as its transformResult does, nested objects included', async () => {
    const plugin = new RowMappingCamelCasePlugin();
    const rows = [
      {
        user_id: 'a',
        created_at: new Date(0),
        profile_data: { display_name: 'A', tag_list: [{ tag_name: 't' }] },
      },
      { user_id: 'b', created_at: null, profile_data: null },
    ];
    const mapped = plugin.mapRows(rows);
    expect(mapped).toEqual([
      { userId: 'a', createdAt: new Date(0), profileData: { displayName: 'A', tagList: [{ tagName: 't' }] } },
      { userId: 'b', createdAt: null, profileData: null },
    ]);
    const viaPlugin = await plugin.transformResult({
      result: { rows },
      queryId: { queryId: 'q' } as QueryId,
    });
    expect(mapped).toEqual(viaPlugin.rows);
  });
});
