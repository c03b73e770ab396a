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
  lookup: (id: string, index: number) => number | undefined,
): { tests: ShardTest[]; known: number; mean: number } {
  let sum = 0;
  let known = 0;
  const found = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const s = lookup(ids[i], i);
    if (s !== undefined && Number.isFinite(s) && s >= 0) {
      sum += s;
      known++;
      found[i] = s;
    } else found[i] = NaN;
  }
  // With no past run at all every test weighs the same, which balances by count.
  const mean = known > 0 ? sum / known : 1;
  const tests = new Array<ShardTest>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const s = found[i];
    tests[i] =
      s === s
        ? { id: ids[i], seconds: s, known: true }
        : { id: ids[i], seconds: mean, known: false };
  }
  return { tests, known, mean };
}

/**
 * Split into `count` shards (index 1-based in the result). Deterministic for equal input,
 * whatever its order: tests are placed longest first, equal durations by id. Each shard
 * lists its tests in the input's order, so a job hands its runner the inventory's order.
 */
export function balanceShards(tests: readonly ShardTest[], count: number): Shard[] {
  return assignShards(tests, count).shards;
}

/** The shards, and the shard (0-based) each test went to, by the test's position. */
export function assignShards(
  tests: readonly ShardTest[],
  count: number,
): { shards: Shard[]; shardOf: Uint16Array } {
  const shards: Shard[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    tests: [],
    seconds: 0,
  }));
  const order = longestFirst(tests);
  // A binary min-heap of shards keyed by (seconds, test count, index).
  const heap = shards.map((s) => ({ shard: s.index - 1, seconds: 0, tests: 0 }));
  type Slot = (typeof heap)[number];
  const less = (a: Slot, b: Slot) =>
    a.seconds !== b.seconds
      ? a.seconds < b.seconds
      : a.tests !== b.tests
        ? a.tests < b.tests
        : a.shard < b.shard;
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
  const shardOf = new Uint16Array(tests.length);
  for (let k = 0; k < order.length; k++) {
    const top = heap[0];
    shardOf[order[k]] = top.shard;
    top.seconds += tests[order[k]].seconds;
    top.tests++;
    down(0);
  }
  for (let i = 0; i < tests.length; i++) shards[shardOf[i]].tests.push(tests[i]);
  for (const slot of heap) shards[slot.shard].seconds = slot.seconds;
  return { shards, shardOf };
}

const byId = (a: ShardTest, b: ShardTest) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Positions of `tests`, longest first, equal durations by id, then by position. The durations
 * are sorted as numbers, natively, and each test finds its place by binary search: for a
 * large selection several times quicker than a sort calling a comparator, and the same order.
 */
function longestFirst(tests: readonly ShardTest[]): Uint32Array {
  const n = tests.length;
  const order = new Uint32Array(n);
  const seconds = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // -0 is 0 here, as `b - a` has it in the comparator.
    seconds[i] = tests[i].seconds + 0;
    if (!Number.isFinite(seconds[i])) return comparatorOrder(tests);
  }
  const ascending = seconds.slice().sort();
  // Ties fill their places in test order; a tie of several is then sorted by id, stably.
  const filled = new Uint32Array(n);
  let ties = false;
  for (let i = 0; i < n; i++) {
    const s = seconds[i];
    const end = firstAbove(ascending, s);
    const above = n - end;
    if (end >= 2 && ascending[end - 2] === s) ties = true;
    order[above + filled[above]++] = i;
  }
  if (!ties) return order;
  for (let start = 0; start < n;) {
    const size = filled[start];
    if (size > 1) {
      // Array sort is stable: tests of the same id keep their order.
      const group = Array.from(order.subarray(start, start + size));
      group.sort((x, y) => byId(tests[x], tests[y]));
      order.set(group, start);
    }
    start += size;
  }
  return order;
}

function comparatorOrder(tests: readonly ShardTest[]): Uint32Array {
  const order = new Uint32Array(tests.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((x, y) => {
    const a = tests[x];
    const b = tests[y];
    return b.seconds - a.seconds || byId(a, b);
  });
}

/** The first index of `sorted` whose value is above `x`. */
function firstAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
