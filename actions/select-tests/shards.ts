/**
 * Time-balanced shards: longest-processing-time-first. Tests go, longest first, to the shard
 * with the least expected time (then the fewest tests, then the lowest index), which keeps
 * the longest shard within 4/3 of the optimum and never leaves a shard empty while another
 * holds two tests. Tests no past run knows count at the mean known duration.
 */
export interface ShardTest {
  id: string;
  /** Expected seconds. */
  seconds: number;
  /** True when the duration came from a past run, false when it is the mean. */
  known: boolean;
}

export interface Shard {
  index: number;
  tests: ShardTest[];
  seconds: number;
}

export function expectedDurations(
  ids: readonly string[],
  lookup: (id: string) => number | undefined,
): { tests: ShardTest[]; known: number; mean: number } {
  let sum = 0;
  let known = 0;
  const found = ids.map((id) => {
    const s = lookup(id);
    if (s !== undefined && Number.isFinite(s) && s >= 0) {
      sum += s;
      known++;
      return s;
    }
    return undefined;
  });
  // With no past run at all every test weighs the same, which balances by count.
  const mean = known > 0 ? sum / known : 1;
  const tests = ids.map((id, i) => ({
    id,
    seconds: found[i] ?? mean,
    known: found[i] !== undefined,
  }));
  return { tests, known, mean };
}

/** Split into `count` shards (index 1-based in the result). Deterministic for equal input. */
export function balanceShards(tests: readonly ShardTest[], count: number): Shard[] {
  const shards: Shard[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    tests: [],
    seconds: 0,
  }));
  const order = [...tests].sort(
    (a, b) => b.seconds - a.seconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  // A binary min-heap of shards keyed by (seconds, test count, index).
  const heap = shards.slice();
  const less = (a: Shard, b: Shard) =>
    a.seconds !== b.seconds
      ? a.seconds < b.seconds
      : a.tests.length !== b.tests.length
        ? a.tests.length < b.tests.length
        : a.index < b.index;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (const t of order) {
    const top = heap[0];
    top.tests.push(t);
    top.seconds += t.seconds;
    down(0);
  }
  return shards;
}

/** The best any split can do: no shard is shorter than the longest test or the average load. */
export function lowerBound(tests: readonly ShardTest[], count: number): number {
  let total = 0;
  let longest = 0;
  for (const t of tests) {
    total += t.seconds;
    if (t.seconds > longest) longest = t.seconds;
  }
  return Math.max(longest, total / count);
}
