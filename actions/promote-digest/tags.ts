import { errorMessage } from '../../shared/errors.js';
import type { Manifest } from './manifest.js';
import type { TargetPlan } from './types.js';

/**
 * Every target holds the whole image by now: the tags move last, one by one, and a failure
 * puts the ones already moved back where they were. With overwrite: false each tag is read
 * again just before its write: another promotion may have created it while this one copied.
 * Returns why it stopped; undefined when every tag moved.
 */
export async function moveTags(
  plans: TargetPlan[],
  manifest: Manifest,
  overwrite: boolean,
  settle: () => Promise<void>,
): Promise<string | undefined> {
  const digest = manifest.digest;
  const moved: TargetPlan[] = [];
  for (const [i, p] of plans.entries()) {
    if (!p.ref.tag) {
      p.result.status = 'pushed';
      continue;
    }
    if (p.result.previous === digest) {
      p.result.status = 'unchanged';
      continue;
    }
    const stop = (why: string): Promise<string> => {
      for (const rest of plans.slice(i + 1)) {
        if (rest.ref.tag && rest.result.previous !== digest) rest.result.status = 'not moved';
      }
      return rollBack(moved).then(() => `${why}; ${describeRollback(moved)}`);
    };
    try {
      if (!overwrite) {
        // The registry offers no conditional write (the distribution API has none): read
        // just before writing, and read back after (readBack) to find a write that raced.
        const now = await p.store.tagDigest(p.ref.tag);
        if (now === digest) {
          p.result.status = 'unchanged';
          continue;
        }
        if (now) {
          // Others may still be writing it: name what it holds once they are done.
          await settle();
          const settled = (await p.store.tagDigest(p.ref.tag)) ?? now;
          p.result.holds = settled;
          if (settled === digest) {
            // Another run promoting this digest won the race: the tag holds what it should.
            p.result.status = 'unchanged';
            continue;
          }
          p.result.status = 'not moved';
          p.result.previous = settled;
          return await stop(
            `overwrite is false and ${p.result.target} now points at ${settled}: another promotion created it while this one copied`,
          );
        }
      }
      await p.store.putManifest(manifest, p.ref.tag);
      p.result.status = p.result.previous ? 'moved' : 'created';
      moved.push(p);
    } catch (err) {
      p.result.status = 'failed';
      p.result.error = errorMessage(err);
      return stop(`${p.result.target}: moving the tag failed (${errorMessage(err)})`);
    }
  }
  return undefined;
}

/**
 * Read every target tag back once the writes are done: what the outputs, summary and record
 * say is what the tags hold, not what this run sent. A tag that holds another digest was
 * written by a concurrent promotion after this one (`overwritten`): a failure with
 * overwrite: false, a warning otherwise — unless the targets now disagree with each other,
 * which is always a failure. `settle` waits first, so that runs writing at nearly the same
 * time all see the last write and agree on the winner. Returns the failure, if any.
 */
export async function readBack(
  plans: TargetPlan[],
  digest: string,
  overwrite: boolean,
  settle: () => Promise<void>,
): Promise<string | undefined> {
  const tagged = plans.filter((p) => p.ref.tag);
  if (tagged.every((p) => p.result.previous === digest)) {
    // Every tag held the digest before: nothing was written, those reads are what they hold.
    for (const p of tagged) p.result.holds = p.result.previous;
    return undefined;
  }
  if (!overwrite) await settle();
  const failures: string[] = [];
  await Promise.all(
    tagged.map(async (p) => {
      try {
        p.result.holds = await p.store.tagDigest(p.ref.tag!);
      } catch (err) {
        p.result.holds = undefined;
        p.result.error = `reading the tag back failed: ${errorMessage(err)}`;
        failures.push(`${p.result.target}: ${p.result.error}`);
      }
    }),
  );
  if (failures.length) return `${failures.join('; ')}; what it holds is unknown`;
  const lost = tagged.filter((p) => p.result.holds !== digest);
  for (const p of lost) {
    p.result.status = 'overwritten';
    p.result.error = `holds ${p.result.holds ?? 'nothing'}: another promotion wrote it after this one`;
  }
  const held = (p: TargetPlan) => `${p.result.target} holds ${p.result.holds ?? 'nothing'}`;
  if (new Set(tagged.map((p) => p.result.holds)).size > 1) {
    return `the targets ended on different digests (${tagged.map(held).join(', ')}): another promotion wrote some of them at the same time`;
  }
  if (lost.length && !overwrite) {
    return `overwrite is false and another promotion won: ${lost.map(held).join(', ')}, not ${digest}`;
  }
  return undefined;
}

async function rollBack(moved: TargetPlan[]): Promise<void> {
  for (const p of [...moved].reverse()) {
    if (!p.previous || !p.ref.tag) continue;
    try {
      await p.store.putManifest(p.previous, p.ref.tag);
      p.result.status = 'rolled back';
    } catch (err) {
      p.result.error = `rollback failed: ${errorMessage(err)}`;
    }
  }
}

function describeRollback(moved: TargetPlan[]): string {
  if (moved.length === 0) return 'no other tag was moved';
  const newestFirst = [...moved].reverse();
  const named = (status: string) =>
    newestFirst.filter((p) => p.result.status === status).map((p) => p.result.target);
  const back = named('rolled back');
  const created = named('created');
  const stuck = named('moved');
  const parts: string[] = [];
  if (back.length) parts.push(`put back ${back.join(', ')}`);
  if (created.length) parts.push(`new tags ${created.join(', ')} point at the complete image`);
  if (stuck.length) parts.push(`could not put back ${stuck.join(', ')}`);
  return parts.join('; ');
}
