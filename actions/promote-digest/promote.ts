import { UserError, errorMessage, quote } from '../../shared/errors.js';
import { Copier, haltingPolicy, isStop, newCopyRun } from './copier.js';
import { LayoutStore } from './layout-store.js';
import { limiter } from './limit.js';
import { type Manifest, isIndex, parseManifest } from './manifest.js';
import {
  type Reference,
  formatReference,
  parseReference,
  parseTarget,
  repositoryName,
} from './reference.js';
import { collectReferrers, copyReferrers } from './referrers.js';
import { DEFAULT_IDLE_TIMEOUT_MS } from './http.js';
import { confinePath } from './paths.js';
import { Registry } from './registry-store.js';
import { type Stats, type Store, countedPolicy, newStats } from './store.js';
import { moveTags, readBack } from './tags.js';
import { sleep } from '../../shared/retry.js';
import type { PromoteDeps, PromoteRequest, PromoteResult, TargetPlan } from './types.js';

/** Blob HEADs and mounts at once (at least `concurrency`): they carry no bytes. */
const CHECKS_AT_ONCE = 16;

/** How long runs that raced for one tag wait before reading it back (overwrite: false). */
export const DEFAULT_SETTLE_MS = 1000;

/** A promotion that stopped; `result` says what each target looks like now. */
export class PromotionError extends UserError {
  constructor(
    message: string,
    readonly result: PromoteResult,
  ) {
    super(message);
  }
}

interface Source {
  ref: Reference;
  store: Store;
  key: string;
  manifest: Manifest;
}

type OpenStore = (ref: Reference) => Store;

/** Resolve the source once, check every target, copy everything, and only then move tags. */
export async function promote(o: PromoteRequest, deps: PromoteDeps): Promise<PromoteResult> {
  const stats = newStats();
  const halt = { stopped: false };
  const open = storeOpener(o, deps, stats, halt);
  const source = await resolveSource(o, open);
  const plans = planTargets(o, source, open);
  const result = startResult(source, plans, stats, o.verifyOnly);
  const digest = result.digest;
  // Read every target tag before writing anything: a refusal must come before any change.
  await Promise.all(
    plans.map(async (p) => {
      if (p.ref.tag) p.result.previous = await p.store.tagDigest(p.ref.tag);
    }),
  );
  if (o.verifyOnly) return verify(plans, result);
  refuseConflicts(plans, digest, o.overwrite);
  await keepPreviousManifests(plans, digest);
  await deps.log.group(`copy ${source.manifest.digest} to ${plans.length} target(s)`, () =>
    copyImage(o, deps, source, plans, result, halt),
  );
  const settle = () => sleep(deps.settleMs ?? DEFAULT_SETTLE_MS);
  const stopped =
    (await moveTags(plans, source.manifest, o.overwrite, settle)) ??
    (await readBack(plans, digest, o.overwrite, settle));
  if (stopped) throw new PromotionError(stopped, withChanged(result));
  return withChanged(result);
}

/** One store per repository (or layout folder) and run; registries share their logins. */
function storeOpener(
  o: PromoteRequest,
  deps: PromoteDeps,
  stats: Stats,
  halt: { stopped: boolean },
): OpenStore {
  const registries = new Map<string, Registry>();
  const stores = new Map<string, Store>();
  const registry = (host: string, name: string): Registry => {
    let reg = registries.get(host);
    if (!reg) {
      reg = new Registry(host, name, {
        credentials: o.credentials,
        insecure: o.insecure,
        mask: deps.mask,
        stats,
        retry: haltingPolicy(deps.retry, halt),
        log: deps.log,
        idleTimeoutMs: deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      });
      registries.set(host, reg);
    }
    return reg;
  };
  return (ref) => {
    const key = storeKey(ref);
    let store = stores.get(key);
    if (!store) {
      store =
        ref.kind === 'oci'
          ? new LayoutStore(ref.dir, ref.written, stats)
          : registry(ref.host, ref.registry).repository(ref.repository);
      stores.set(key, store);
    }
    return store;
  };
}

/** An OCI layout is read or written only inside the workspace (or RUNNER_TEMP). */
function confined(ref: Reference, o: PromoteRequest, input: string): Reference {
  if (ref.kind === 'oci') confinePath(`input "${input}"`, ref.written, o.workspace, o.tempDir);
  return ref;
}

/** The repository a reference lands in: a layout by its folder, however it was written. */
function storeKey(ref: Reference): string {
  return ref.kind === 'oci' ? `oci:${ref.dir}` : repositoryName(ref);
}

async function resolveSource(o: PromoteRequest, open: OpenStore): Promise<Source> {
  const ref = confined(parseReference(o.source, 'input "source"', o.workspace), o, 'source');
  if (!ref.tag && !ref.digest) {
    throw new UserError(
      `input "source": ${quote(o.source)} names no tag or digest; allowed: repository:tag, repository@sha256:..., oci:<dir>:<tag>`,
    );
  }
  // verify-only with no targets only resolves the source: the digest a build just pushed.
  if (o.targets.length === 0 && !o.verifyOnly) {
    throw new UserError(
      'input "targets" is required: references, or :tag for the source repository (or verify-only: true to resolve the source alone)',
    );
  }
  const store = open(ref);
  const manifest = await store.getManifest(ref.digest ?? ref.tag!);
  if (!manifest) {
    throw new UserError(`input "source": ${formatReference(ref)} does not exist`);
  }
  if (o.digest && o.digest !== manifest.digest) {
    throw new UserError(
      `input "digest": ${formatReference(ref)} resolves to ${manifest.digest}, not the expected ${o.digest}; nothing was promoted`,
    );
  }
  return { ref, store, key: storeKey(ref), manifest };
}

/** Each target once, in the order given; one pinned to another digest stops everything. */
function planTargets(o: PromoteRequest, source: Source, open: OpenStore): TargetPlan[] {
  const digest = source.manifest.digest;
  const plans: TargetPlan[] = [];
  const seen = new Set<string>();
  for (const text of o.targets) {
    const ref = confined(parseTarget(text, source.ref, o.workspace), o, 'targets');
    const target = formatReference(ref);
    if (seen.has(target)) continue;
    seen.add(target);
    if (ref.digest && ref.digest !== digest) {
      throw new UserError(
        `input "targets": ${quote(text)} pins ${ref.digest}, but the source is ${digest}; nothing was promoted`,
      );
    }
    plans.push({
      ref,
      store: open(ref),
      key: storeKey(ref),
      result: {
        target,
        ref: `${repositoryName(ref)}@${digest}`,
        tag: ref.tag,
        status: 'pushed',
        referrers: 0,
      },
    });
  }
  return plans;
}

function startResult(
  source: Source,
  plans: TargetPlan[],
  stats: Stats,
  verifyOnly: boolean,
): PromoteResult {
  const { manifest } = source;
  return {
    source: formatReference(source.ref),
    sourceRef: `${repositoryName(source.ref)}@${manifest.digest}`,
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    platforms: platformsOf(manifest, source.store.name),
    targets: plans.map((p) => p.result),
    referrers: 0,
    stats,
    verifyOnly,
    changed: false,
  };
}

function refuseConflicts(plans: TargetPlan[], digest: string, overwrite: boolean): void {
  if (overwrite) return;
  const conflicts = plans.filter((p) => p.result.previous && p.result.previous !== digest);
  if (conflicts.length) {
    throw new UserError(
      `overwrite is false and ${conflicts.map((p) => `${p.result.target} points at ${p.result.previous}`).join(', ')}; nothing was promoted (set overwrite: true to move ${conflicts.length > 1 ? 'these tags' : 'it'})`,
    );
  }
}

/** The manifests the moving tags hold now, to put them back if a later tag fails. */
async function keepPreviousManifests(plans: TargetPlan[], digest: string): Promise<void> {
  await Promise.all(
    plans.map(async (p) => {
      if (p.ref.tag && p.result.previous && p.result.previous !== digest) {
        p.previous = await p.store.getManifest(p.result.previous);
      }
    }),
  );
}

/**
 * Make every target repository hold the whole image, and its referrers when asked; no tag
 * moves here. Throws once every copy has settled, with every target `not moved`.
 */
async function copyImage(
  o: PromoteRequest,
  deps: PromoteDeps,
  source: Source,
  plans: TargetPlan[],
  result: PromoteResult,
  halt: { stopped: boolean },
): Promise<void> {
  const { stats } = result;
  const run = newCopyRun({
    halt,
    stats,
    limit: limiter(o.concurrency),
    checks: limiter(Math.max(CHECKS_AT_ONCE, o.concurrency)),
    policy: countedPolicy(deps.retry, deps.log, () => stats.retries++),
    log: deps.log,
  });
  const copiers = new Map<string, Copier>();
  const referred = new Map<string, Promise<number>>();
  const items = o.referrers ? await collectReferrers(source.store, source.manifest) : [];
  result.referrers = items.length;
  const copyTo = async (p: TargetPlan): Promise<void> => {
    let copier = copiers.get(p.key);
    if (!copier) {
      copier = new Copier(source.store, p.store, run);
      copiers.set(p.key, copier);
    }
    await copier.copyManifest(source.manifest);
    if (!items.length || p.key === source.key) return;
    // Once per repository: two tags of one repository share their referrers.
    let job = referred.get(p.key);
    if (!job) {
      job = copyReferrers(copier, items);
      referred.set(p.key, job);
    }
    p.result.referrers = await job;
  };
  const copies = await Promise.allSettled(
    plans.map((p) =>
      copyTo(p).catch((err: unknown) => {
        halt.stopped = true;
        throw err;
      }),
    ),
  );
  // Every copy has settled (none keeps running behind the failure) before reporting it.
  const reasons = copies.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
  if (!reasons.length) return;
  for (const p of plans) p.result.status = 'not moved';
  // The copies that stopped because another failed say so; the one that failed says why.
  const first = reasons.find((e) => !isStop(e)) ?? reasons[0];
  throw new PromotionError(`${errorMessage(first)}; no target tag was moved`, withChanged(result));
}

function withChanged(result: PromoteResult): PromoteResult {
  result.changed =
    result.stats.manifestsWritten > 0 ||
    result.targets.some((t) => t.status === 'moved' || t.status === 'created');
  return result;
}

async function verify(plans: TargetPlan[], result: PromoteResult): Promise<PromoteResult> {
  for (const p of plans) {
    if (p.ref.tag) {
      p.result.holds = p.result.previous;
      p.result.status =
        p.result.previous === result.digest
          ? 'verified'
          : p.result.previous
            ? 'differs'
            : 'missing';
    } else {
      p.result.status = (await p.store.hasManifest(result.digest)) ? 'verified' : 'missing';
    }
  }
  return result;
}

function platformsOf(m: Manifest, where: string): string[] {
  if (!isIndex(m.mediaType)) return [];
  return (parseManifest(m, where).manifests ?? [])
    .map((d) => d.platform)
    .filter((p): p is NonNullable<typeof p> => !!p?.os)
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
}
