import type { Clock } from '../lib/clock.js';
import { fingerprint } from '../lib/fingerprint.js';
import type { Store } from '../store/store.js';

/**
 * For a job that plans each lead by rules the team may edit (nurture steps, decay tiers): when the
 * rules in force differ from those it last planned for (a fingerprint in the cursor `name`, so a change
 * made while the server was down counts too), re-plan every lead and remember them. `inForce`
 * undefined: the rules are not known yet (the Base not read), nothing happens. Returns the leads
 * re-planned, or undefined when nothing changed.
 */
export async function replanOnChange(store: Store, clock: Clock, name: string, inForce: unknown, replanAll: () => Promise<number>): Promise<number | undefined> {
  if (inForce === undefined) return undefined;
  const now = fingerprint(inForce);
  if ((await store.cursors.get(name)) === now) return undefined;
  const n = await replanAll();
  await store.cursors.set(name, now, clock.now());
  return n;
}
