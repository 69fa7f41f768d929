import { describe, expect, it } from 'vitest';
import { deleteInBatches } from './batched-delete.js';

/** A table of `count` rows whose ids are found and deleted through the two callbacks. */
function table(count: number) {
  const rows = Array.from({ length: count }, (_, index) => `row-${index}`);
  const selects: number[] = [];
  return {
    rows,
    selects,
    selectIds: async (limit: number) => {
      selects.push(limit);
      return rows.slice(0, limit);
    },
    deleteIds: async (ids: readonly string[]) => {
      for (const id of ids) rows.splice(rows.indexOf(id), 1);
      return ids.length;
    },
  };
}

describe('deleteInBatches', () => {
  it('deletes every row a batch at a time and stops after a short batch', async () => {
    const rows = table(5);
    expect(await deleteInBatches(rows.selectIds, rows.deleteIds, 2)).toBe(5);
    expect(rows.rows).toEqual([]);
    expect(rows.selects).toEqual([2, 2, 2]);
  });

  it('asks once more after a full last batch, and not at all beyond an empty one', async () => {
    const full = table(4);
    expect(await deleteInBatches(full.selectIds, full.deleteIds, 2)).toBe(4);
    expect(full.selects).toEqual([2, 2, 2]);
    const empty = table(0);
    expect(await deleteInBatches(empty.selectIds, empty.deleteIds, 2)).toBe(0);
    expect(empty.selects).toEqual([2]);
  });

  it('asks mayContinue before each batch, the first included, and stops where it answers no', async () => {
    const rows = table(5);
    let answers = 2;
    expect(await deleteInBatches(rows.selectIds, rows.deleteIds, 2, () => answers-- > 0)).toBe(4);
    expect(rows.rows).toEqual(['row-4']);
    expect(rows.selects).toEqual([2, 2]);
    const untouched = table(3);
    expect(await deleteInBatches(untouched.selectIds, untouched.deleteIds, 2, () => false)).toBe(0);
    expect(untouched.selects).toEqual([]);
  });

  it('reports what the deletes did, not what the selects found (a row deleted meanwhile)', async () => {
    const rows = table(3);
    expect(await deleteInBatches(rows.selectIds, async (ids) => ids.length - 1, 5)).toBe(2);
  });
});
