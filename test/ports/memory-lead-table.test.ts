import { createManualClock } from '../../src/lib/clock.js';
import { createMemoryLeadTable } from '../../src/ports/memory-lead-table.js';
import { testStore } from '../support/test-store.js';
import { leadTableContract } from './lead-table-contract.js';

leadTableContract('in memory', async () => {
  const store = await testStore();
  const clock = createManualClock(Date.UTC(2026, 11, 3, 2, 0));
  const mem = createMemoryLeadTable({ store, clock });
  return {
    table: mem.table,
    store,
    layout: { ...mem.layout, historyTableId: mem.layout.historyTableId! },
    person: (name) => `person:${name}`,
    type: async (tableId, cells, by) => mem.type(tableId, cells, by).id,
    edit: async (tableId, id, cells, by) => void mem.edit(tableId, id, cells, by),
    flush: async () => void (await mem.flush()),
    now: () => clock.now().getTime(),
    advance: (ms) => clock.advance(ms),
    close: () => store.close(),
  };
});
