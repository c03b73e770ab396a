/**
 * A bound on V8's young generation while a large report streams through. V8 doubles the young
 * generation (to 64 MB of semi-spaces) as long as objects keep surviving its collections, and
 * a long stream of short-lived objects always gets there: a 400 MB report would then peak some
 * 60 MB above a 40 MB one, all of it garbage waiting for a collection. Held at HOLD_AT, the
 * collections come more often and cost as little (few objects survive them), and memory no
 * longer grows with the report.
 */
const HOLD_AT = 16 * 1024 * 1024;
let held = false;

/** Stops the young generation from growing once it has reached HOLD_AT; cheap to call often. */
export async function holdYoungGeneration(): Promise<void> {
  if (held) return;
  // Loaded only for a report big enough to ask: a small one never pays for the module.
  const v8 = await import('node:v8');
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!young || young.space_size < HOLD_AT) return;
  // Read by V8 each time it would grow the young generation: a factor of 1 keeps its size.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}
