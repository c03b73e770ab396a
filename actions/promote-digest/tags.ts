import { errorMessage } from '../../shared/errors.js';
import type { Manifest } from './manifest.js';
import type { TargetPlan } from './types.js';

/**
 * Every target holds the whole image by now: the tags move last, one by one, and a failure
 * puts the ones already moved back where they were. Returns why it stopped; undefined when
 * every tag moved.
 */
export async function moveTags(
  plans: TargetPlan[],
  manifest: Manifest,
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
    try {
      await p.store.putManifest(manifest, p.ref.tag);
      p.result.status = p.result.previous ? 'moved' : 'created';
      moved.push(p);
    } catch (err) {
      p.result.status = 'failed';
      p.result.error = errorMessage(err);
      for (const rest of plans.slice(i + 1)) {
        if (rest.ref.tag && rest.result.previous !== digest) rest.result.status = 'not moved';
      }
      await rollBack(moved);
      return `${p.result.target}: moving the tag failed (${errorMessage(err)}); ${describeRollback(moved)}`;
    }
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
