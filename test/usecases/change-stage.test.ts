import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { type TestStore, testStore } from '../support/test-store.js';
import { createChangeStage } from '../../src/usecases/change-stage.js';
import { createStartLead } from '../../src/usecases/start-lead.js';
import { director, fullFacts, HOUR, rep } from '../support/journey.js';

const journey = loadJourney('default');
let store: TestStore;
let clock: ReturnType<typeof createManualClock>;
let startLead: ReturnType<typeof createStartLead>;
let changeStage: ReturnType<typeof createChangeStage>;

beforeEach(async () => {
  store = await testStore();
  clock = createManualClock('2026-03-02T01:00:00Z');
  startLead = createStartLead({ store, journey, clock });
  changeStage = createChangeStage({ store, journey, clock });
});

async function started(key = 'lead-1') {
  const r = await startLead({ leadKey: key, facts: fullFacts, actor: rep });
  if (!r.ok) throw new Error(r.error.code);
  return r.value.lead;
}

describe('startLead', () => {
  it('creates the lead in the initial stage with its first history entry, once per key', async () => {
    const lead = await started();
    expect(lead).toMatchObject({ stage: 'lead', version: 1, journeyId: 'default' });
    expect(await store.transitions.listForLead(lead.id)).toHaveLength(1);
    const again = await startLead({ leadKey: 'lead-1', facts: {}, actor: rep });
    expect(again.ok && again.value.created).toBe(false);
    expect(await store.leads.count()).toBe(1);
  });
});

describe('changeStage', () => {
  it('persists an applied transition and its history', async () => {
    const lead = await started();
    clock.advance(HOUR);
    const r = await changeStage({ leadId: lead.id, to: 'mql', actor: rep });
    expect(r.ok && r.value.outcome.status).toBe('applied');
    expect(await store.leads.get(lead.id)).toMatchObject({ stage: 'mql', stageEnteredAt: clock.now() });
    expect((await store.transitions.listForLead(lead.id)).map((t) => `${t.from}->${t.to}#${t.entryIndex}`)).toEqual(['null->lead#1', 'lead->mql#1']);
  });

  it('keeps the lead where it is, visibly pending, until the director approves', async () => {
    const lead = await started();
    await changeStage({ leadId: lead.id, to: 'mql', actor: rep });
    const pending = await changeStage({ leadId: lead.id, to: 'sql', actor: rep });
    expect(pending.ok && pending.value.outcome.status).toBe('pending_approval');
    expect(await store.leads.get(lead.id)).toMatchObject({ stage: 'mql', pendingApproval: { to: 'sql', role: 'marketing_director', requestedBy: rep.id } });
    const approved = await changeStage({ leadId: lead.id, to: 'sql', actor: director, approval: { id: 'apv-9', approverId: director.id, approverRoles: director.roles } });
    expect(approved.ok && approved.value.outcome.status).toBe('applied');
    expect(await store.leads.get(lead.id)).toMatchObject({ stage: 'sql', pendingApproval: null });
    expect((await store.transitions.listForLead(lead.id)).at(-1)).toMatchObject({ approvalId: 'apv-9', actorId: director.id });
  });

  it('returns refusals as values and writes nothing', async () => {
    const lead = await started();
    const r = await changeStage({ leadId: lead.id, to: 'won', actor: rep });
    expect(!r.ok && r.error.code).toBe('not_allowed');
    expect((await store.leads.get(lead.id))!.version).toBe(1);
    expect(await store.transitions.listForLead(lead.id)).toHaveLength(1);
    const missing = await changeStage({ leadId: 999, to: 'mql', actor: rep });
    expect(!missing.ok && missing.error.code).toBe('lead_not_found');
  });

  it('applies once when two decisions race on the same version', async () => {
    const lead = await started();
    // simulate a concurrent writer bumping the version between read and write
    const original = store.leads.setStage.bind(store.leads);
    let raced = false;
    store.leads.setStage = async (id, version, stage, at) => {
      if (!raced) {
        raced = true;
        await original(id, version, 'nurture', at);
      }
      return original(id, version, stage, at);
    };
    const r = await changeStage({ leadId: lead.id, to: 'mql', actor: rep });
    expect(!r.ok && r.error.code).toBe('conflict');
    expect(await store.transitions.listForLead(lead.id)).toHaveLength(1);
  });
});
