import { UserError, errorMessage, quote } from '../../shared/errors.js';
import { defaultPolicy, type RetryPolicy } from '../../shared/retry.js';
import { Copier } from './copier.js';
import type { Credentials } from './credentials.js';
import { LayoutStore } from './layout-store.js';
import { limiter } from './limit.js';
import {
  type Descriptor,
  type Manifest,
  MEDIA,
  cosignTags,
  isIndex,
  parseManifest,
  referrersTag,
  sha256,
} from './manifest.js';
import {
  type Reference,
  formatReference,
  parseReference,
  parseTarget,
  repositoryName,
} from './reference.js';
import { Registry } from './registry-store.js';
import { type Stats, type Store, newStats } from './store.js';

export interface PromoteOptions {
  source: string;
  /** The digest the caller tested; a different resolved digest fails before anything moves. */
  digest?: string;
  targets: string[];
  credentials: Credentials;
  referrers: boolean;
  overwrite: boolean;
  verifyOnly: boolean;
  concurrency: number;
  insecure: string[];
  workspace: string;
  env?: NodeJS.ProcessEnv;
  mask?: (secret: string) => void;
  log?: (line: string) => void;
}

export type TargetStatus =
  | 'created'
  | 'moved'
  | 'unchanged'
  | 'pushed'
  | 'verified'
  | 'differs'
  | 'missing'
  | 'failed'
  | 'not moved'
  | 'rolled back';

export interface TargetResult {
  target: string;
  /** repository@digest: what test jobs should pull. */
  ref: string;
  tag?: string;
  /** The digest the tag pointed at before. */
  previous?: string;
  status: TargetStatus;
  referrers: number;
  error?: string;
}

export interface PromoteResult {
  source: string;
  sourceRef: string;
  digest: string;
  mediaType: string;
  platforms: string[];
  targets: TargetResult[];
  referrers: number;
  stats: Stats;
  verifyOnly: boolean;
  /** Some tag or manifest was written. */
  changed: boolean;
}

/** A promotion that stopped; `result` says what each target looks like now. */
export class PromotionError extends UserError {
  constructor(
    message: string,
    readonly result: PromoteResult,
  ) {
    super(message);
  }
}

interface Plan {
  ref: Reference;
  store: Store;
  result: TargetResult;
  /** The manifest the tag held before, to put it back if a later tag fails. */
  previous?: Manifest;
}

/** Resolve the source once, check every target, copy everything, and only then move tags. */
export async function promote(o: PromoteOptions): Promise<PromoteResult> {
  const stats = newStats();
  const env = o.env ?? process.env;
  const registries = new Map<string, Registry>();
  const open = (ref: Reference): Store => {
    if (ref.kind === 'oci') return new LayoutStore(ref.dir, ref.written, stats);
    let reg = registries.get(ref.host);
    if (!reg) {
      reg = new Registry(ref.host, ref.registry, {
        credentials: o.credentials,
        insecure: o.insecure,
        mask: o.mask ?? (() => undefined),
        stats,
        env,
        log: o.log,
      });
      registries.set(ref.host, reg);
    }
    return reg.repository(ref.repository);
  };
  const policy = (): RetryPolicy => {
    const p = defaultPolicy(env);
    p.onRetry = ({ attempt, delayMs, reason }) => {
      stats.retries++;
      o.log?.(`retry ${attempt} in ${delayMs} ms: ${reason}`);
    };
    return p;
  };

  const sourceRef = parseReference(o.source, 'input "source"', o.workspace);
  if (!sourceRef.tag && !sourceRef.digest) {
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
  const src = open(sourceRef);
  const wanted = sourceRef.digest ?? sourceRef.tag!;
  const manifest = await src.getManifest(wanted);
  if (!manifest) {
    throw new UserError(`input "source": ${formatReference(sourceRef)} does not exist`);
  }
  if (o.digest && o.digest !== manifest.digest) {
    throw new UserError(
      `input "digest": ${formatReference(sourceRef)} resolves to ${manifest.digest}, not the expected ${o.digest}; nothing was promoted`,
    );
  }
  const digest = manifest.digest;
  const result: PromoteResult = {
    source: formatReference(sourceRef),
    sourceRef: `${repositoryName(sourceRef)}@${digest}`,
    digest,
    mediaType: manifest.mediaType,
    platforms: platformsOf(manifest, src.name),
    targets: [],
    referrers: 0,
    stats,
    verifyOnly: o.verifyOnly,
    changed: false,
  };

  const plans: Plan[] = [];
  const seen = new Set<string>();
  for (const text of o.targets) {
    const ref = parseTarget(text, sourceRef, o.workspace);
    const key = formatReference(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    if (ref.digest && ref.digest !== digest) {
      throw new UserError(
        `input "targets": ${quote(text)} pins ${ref.digest}, but the source is ${digest}; nothing was promoted`,
      );
    }
    plans.push({
      ref,
      store: open(ref),
      result: {
        target: key,
        ref: `${repositoryName(ref)}@${digest}`,
        tag: ref.tag,
        status: 'pushed',
        referrers: 0,
      },
    });
    result.targets.push(plans[plans.length - 1].result);
  }

  // Read every target tag before writing anything: a refusal must come before any change.
  await Promise.all(
    plans.map(async (p) => {
      if (!p.ref.tag) return;
      p.result.previous = await p.store.tagDigest(p.ref.tag);
    }),
  );

  if (o.verifyOnly) return verify(plans, result, digest);

  const conflicts = plans.filter(
    (p) => p.result.previous && p.result.previous !== digest && !o.overwrite,
  );
  if (conflicts.length) {
    throw new UserError(
      `overwrite is false and ${conflicts.map((p) => `${p.result.target} points at ${p.result.previous}`).join(', ')}; nothing was promoted (set overwrite: true to move ${conflicts.length > 1 ? 'these tags' : 'it'})`,
    );
  }

  // The manifests the moving tags hold now, to put them back if a later tag fails.
  await Promise.all(
    plans.map(async (p) => {
      if (p.ref.tag && p.result.previous && p.result.previous !== digest) {
        p.previous = await p.store.getManifest(p.result.previous);
      }
    }),
  );

  const limit = limiter(o.concurrency);
  const copiers = new Map<string, Copier>();
  const referred = new Map<string, Promise<number>>();
  const referrerItems = o.referrers ? await collectReferrers(src, digest) : [];
  result.referrers = referrerItems.length;
  const halt = { stopped: false };
  const copies = await Promise.allSettled(
    plans.map(async (p) => {
      const key = repositoryName(p.ref);
      let copier = copiers.get(key);
      if (!copier) {
        copier = new Copier(src, p.store, stats, limit, policy, halt);
        copiers.set(key, copier);
      }
      try {
        await copier.copyManifest(manifest);
        if (referrerItems.length && key !== repositoryName(sourceRef)) {
          // Once per repository: two tags of one repository share their referrers.
          let job = referred.get(key);
          if (!job) {
            job = copyReferrers(copier, referrerItems, digest);
            referred.set(key, job);
          }
          p.result.referrers = await job;
        }
      } catch (err) {
        halt.stopped = true;
        throw err;
      }
    }),
  );
  // Every copy has settled (none keeps running behind the failure) before reporting it.
  const failed = copies.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failed) {
    for (const p of plans) p.result.status = 'not moved';
    const first = copies
      .map((c) => (c.status === 'rejected' ? (c.reason as unknown) : undefined))
      .find((e) => e && !/^stopped: /.test(errorMessage(e)));
    throw new PromotionError(
      `${errorMessage(first ?? failed.reason)}; no target tag was moved`,
      withChanged(result, stats),
    );
  }

  // Every target now holds the whole image: the tags move last, one by one, and a failure
  // puts the ones already moved back where they were.
  const moved: Plan[] = [];
  for (const p of plans) {
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
      for (const rest of plans.slice(plans.indexOf(p) + 1)) {
        if (rest.ref.tag && rest.result.previous !== digest) rest.result.status = 'not moved';
      }
      await rollBack(moved);
      throw new PromotionError(
        `${p.result.target}: moving the tag failed (${errorMessage(err)}); ${describeRollback(moved)}`,
        withChanged(result, stats),
      );
    }
  }
  return withChanged(result, stats);
}

function withChanged(result: PromoteResult, stats: Stats): PromoteResult {
  result.changed =
    stats.manifestsWritten > 0 ||
    result.targets.some((t) => t.status === 'moved' || t.status === 'created');
  return result;
}

async function rollBack(moved: Plan[]): Promise<void> {
  for (const p of moved.reverse()) {
    if (!p.previous || !p.ref.tag) continue;
    try {
      await p.store.putManifest(p.previous, p.ref.tag);
      p.result.status = 'rolled back';
    } catch (err) {
      p.result.error = `rollback failed: ${errorMessage(err)}`;
    }
  }
}

function describeRollback(moved: Plan[]): string {
  if (moved.length === 0) return 'no other tag was moved';
  const back = moved.filter((p) => p.result.status === 'rolled back').map((p) => p.result.target);
  const created = moved.filter((p) => p.result.status === 'created').map((p) => p.result.target);
  const parts: string[] = [];
  if (back.length) parts.push(`put back ${back.join(', ')}`);
  if (created.length) parts.push(`new tags ${created.join(', ')} point at the complete image`);
  const stuck = moved.filter((p) => p.result.status === 'moved').map((p) => p.result.target);
  if (stuck.length) parts.push(`could not put back ${stuck.join(', ')}`);
  return parts.join('; ');
}

async function verify(
  plans: Plan[],
  result: PromoteResult,
  digest: string,
): Promise<PromoteResult> {
  for (const p of plans) {
    if (p.ref.tag) {
      p.result.status =
        p.result.previous === digest ? 'verified' : p.result.previous ? 'differs' : 'missing';
    } else {
      p.result.status = (await p.store.hasManifest(digest)) ? 'verified' : 'missing';
    }
  }
  return result;
}

interface ReferrerItem {
  manifest: Manifest;
  /** The tag it was found under (tag schema or cosign); absent when found through the API. */
  tag?: string;
}

/** Signatures, attestations and SBOMs of `digest`: the referrers API, else tags. */
async function collectReferrers(src: Store, digest: string): Promise<ReferrerItem[]> {
  const items: ReferrerItem[] = [];
  const listed = await src.referrers(digest);
  for (const d of listed ?? []) {
    const m = await src.getManifest(d.digest);
    if (m) items.push({ manifest: m });
  }
  const tags = listed ? cosignTags(digest) : [referrersTag(digest), ...cosignTags(digest)];
  for (const tag of tags) {
    const m = await src.getManifest(tag);
    if (m) items.push({ manifest: m, tag });
  }
  return items;
}

async function copyReferrers(
  copier: Copier,
  items: ReferrerItem[],
  digest: string,
): Promise<number> {
  const dst = copier.dst;
  const viaApi: Descriptor[] = [];
  for (const item of items) {
    await copier.copyManifest(item.manifest);
    if (!item.tag) {
      viaApi.push(descriptorOf(item.manifest));
      continue;
    }
    if (item.tag === referrersTag(digest)) {
      await mergeReferrersIndex(
        dst,
        digest,
        parseManifest(item.manifest, dst.name).manifests ?? [],
        item.manifest,
      );
    } else {
      await dst.putManifest(item.manifest, item.tag);
    }
  }
  // A target without the referrers API finds referrers through the tag schema only.
  if (viaApi.length && (await dst.referrers(digest)) === undefined) {
    await mergeReferrersIndex(dst, digest, viaApi);
  }
  return items.length;
}

function descriptorOf(m: Manifest): Descriptor {
  const p = parseManifest(m, 'referrer') as {
    artifactType?: string;
    config?: Descriptor;
    annotations?: Record<string, string>;
  };
  const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  const type = p.artifactType ?? p.config?.mediaType;
  if (type) d.artifactType = type;
  if (p.annotations) d.annotations = p.annotations;
  return d;
}

/** Keep the tag-schema index a union: referrers already at the target are not dropped. */
async function mergeReferrersIndex(
  dst: Store,
  digest: string,
  add: Descriptor[],
  asIs?: Manifest,
): Promise<void> {
  const tag = referrersTag(digest);
  const current = await dst.getManifest(tag);
  const have = current ? (parseManifest(current, dst.name).manifests ?? []) : [];
  const missing = add.filter((d) => !have.some((h) => h.digest === d.digest));
  if (current && missing.length === 0) return;
  if (!current && asIs) {
    await dst.putManifest(asIs, tag);
    return;
  }
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [...have, ...missing],
    }),
  );
  await dst.putManifest({ bytes, mediaType: MEDIA.ociIndex, digest: sha256(bytes) }, tag);
}

function platformsOf(m: Manifest, where: string): string[] {
  if (!isIndex(m.mediaType)) return [];
  return (parseManifest(m, where).manifests ?? [])
    .map((d) => d.platform)
    .filter((p): p is NonNullable<typeof p> => !!p?.os)
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
}
