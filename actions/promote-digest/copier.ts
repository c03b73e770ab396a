import { UserError, causes, errorMessage } from '../../shared/errors.js';
import { RetryableError, type RetryPolicy, withRetry } from '../../shared/retry.js';
import { type Descriptor, type Manifest, children, isForeign } from './manifest.js';
import type { Stats, Store } from './store.js';

/**
 * Copies one image graph from a source store into one destination repository: blobs first
 * (skipped when present, mounted within a registry, else streamed), then child manifests, then
 * the manifest itself by digest. Tags are not this class's business: nothing here can move one.
 */
export class Copier {
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly manifests = new Map<string, Promise<void>>();

  constructor(
    private readonly src: Store,
    readonly dst: Store,
    private readonly stats: Stats,
    private readonly limit: <T>(task: () => Promise<T>) => Promise<T>,
    private readonly policy: RetryPolicy,
    /** Set once any copy of the run failed: transfers not yet started do not start. */
    private readonly halt: { stopped: boolean } = { stopped: false },
  ) {}

  /** Make `m` and everything it references present in the destination, by digest. */
  copyManifest(m: Manifest): Promise<void> {
    let job = this.manifests.get(m.digest);
    if (!job) {
      job = this.doCopyManifest(m);
      this.manifests.set(m.digest, job);
    }
    return job;
  }

  private async doCopyManifest(m: Manifest): Promise<void> {
    // A registry accepts a manifest only once its blobs and children are there, so a manifest
    // already present is a complete image: nothing under it needs a request.
    if (await this.dst.hasManifest(m.digest)) return;
    const { manifests, blobs } = children(m, this.src.name);
    const settled = await Promise.allSettled([
      ...blobs.map((b) => this.copyBlob(b)),
      ...manifests.map(async (d) => {
        const child = await this.src.getManifest(d.digest);
        if (!child) {
          throw new UserError(
            `${this.src.name}: index ${m.digest} names ${d.digest}, which is missing`,
          );
        }
        await this.copyManifest(child);
      }),
    ]);
    // Wait for every sibling before failing, so no transfer outlives the promotion.
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.halt.stopped = true;
      throw failed.reason;
    }
    await this.dst.putManifest(m, m.digest);
  }

  private checkHalt(): void {
    if (this.halt.stopped) throw new UserError('stopped: another copy of this promotion failed');
  }

  private copyBlob(d: Descriptor): Promise<void> {
    let job = this.blobs.get(d.digest);
    if (!job) {
      job = isForeign(d) ? Promise.resolve() : this.limit(() => this.transfer(d));
      this.blobs.set(d.digest, job);
    }
    return job;
  }

  private async transfer(d: Descriptor): Promise<void> {
    this.checkHalt();
    if (await this.dst.hasBlob(d)) {
      this.stats.blobsSkipped++;
      return;
    }
    if (this.dst.mountBlob && (await this.dst.mountBlob(d, this.src))) {
      this.stats.blobsMounted++;
      return;
    }
    try {
      await withRetry(async () => {
        this.checkHalt();
        const body = await this.src.openBlob(d);
        try {
          await this.dst.putBlob(d, body);
        } catch (err) {
          // A streamed body cannot be replayed by the HTTP client (it reports a disturbed
          // body, not a network fault, when a reused connection drops): start over instead.
          if (err instanceof UserError || err instanceof RetryableError) throw err;
          throw new RetryableError(describe(err));
        }
      }, this.policy);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(
        `${this.dst.name}: copying blob ${d.digest} (${d.size} bytes) from ${this.src.name} failed after retries: ${describe(err)}`,
        { cause: err },
      );
    }
    this.stats.blobsCopied++;
    this.stats.bytesCopied += d.size;
  }
}

/** The error and what it wraps, on one line: a fetch failure names its cause only there. */
function describe(err: unknown): string {
  return [...causes(err, 4)].map(errorMessage).join(': ');
}
