import type { Readable } from 'node:stream';
import type { Log } from '../../shared/action/log.js';
import { UserError, causes, errorMessage } from '../../shared/errors.js';
import { RetryableError, type RetryPolicy, withRetry } from '../../shared/retry.js';
import { type Descriptor, type Manifest, children, isForeign } from './manifest.js';
import { chunkCollector } from './memory.js';
import { progressReporter } from './progress.js';
import { DigestMismatchError, type Stats, type Store } from './store.js';

/** What the copiers of one promotion share. */
export interface CopyRun {
  stats: Stats;
  /** Blob transfers (bytes streamed) at once, across every target. */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  /**
   * Requests that move no bytes (is the blob there, mount it) at once: they need no transfer
   * slot, so the HEADs and mounts of every blob go out together rather than four at a time.
   */
  checks: <T>(task: () => Promise<T>) => Promise<T>;
  policy: RetryPolicy;
  log: Log;
  /**
   * Set once any copy failed: transfers not yet started do not start, and requests waiting
   * to be retried are not retried (the registries' retry policy looks at it too).
   */
  halt: { stopped: boolean };
  /**
   * By registry and blob: the first target repository that streams a blob in. A second
   * target repository in that registry waits for it and mounts from there: each blob
   * crosses the network into one registry once.
   */
  homes: Map<string, Promise<Store | undefined>>;
  /**
   * Told the size of every chunk streamed: memory.ts keeps the peak flat with it, and the
   * log hears how far the copy is every 10 s.
   */
  streamed: (bytes: number) => void;
}

export function newCopyRun(
  o: Omit<CopyRun, 'homes' | 'streamed'>,
  now: () => number = Date.now,
): CopyRun {
  const collect = chunkCollector();
  const progress = progressReporter(o.log, { now });
  return {
    ...o,
    homes: new Map(),
    streamed: (bytes) => {
      collect(bytes);
      progress(bytes);
    },
  };
}

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
    private readonly run: CopyRun,
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
    // Wait for every sibling before failing, so no transfer outlives the promotion; the
    // failure that stopped the others is the one to report.
    const reasons = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (reasons.length) throw reasons.find((e) => !isStop(e)) ?? reasons[0];
    await this.dst.putManifest(m, m.digest);
  }

  private checkHalt(): void {
    if (this.run.halt.stopped) throw new UserError(STOPPED);
  }

  private copyBlob(d: Descriptor): Promise<void> {
    let job = this.blobs.get(d.digest);
    if (job) return job;
    if (isForeign(d)) {
      job = Promise.resolve();
    } else {
      const key = `${this.dst.location} ${d.digest}`;
      const home = this.run.homes.get(key);
      if (home && this.dst.mountBlob) {
        job = this.fromSibling(d, home);
      } else {
        job = this.transfer(d);
        this.run.homes.set(
          key,
          job.then(
            () => this.dst,
            () => undefined,
          ),
        );
      }
      // The first blob that fails stops its siblings at their next attempt, not after theirs.
      job = job.catch((err: unknown) => {
        this.run.halt.stopped = true;
        throw err;
      });
    }
    this.blobs.set(d.digest, job);
    return job;
  }

  /** A request that moves no bytes, once no copy has failed. */
  private check<T>(task: () => Promise<T>): Promise<T> {
    return this.run.checks(() => {
      this.checkHalt();
      return task();
    });
  }

  /**
   * Another target repository of this registry is getting the blob: wait for it (holding no
   * slot, which that transfer may need) and mount from it; else copy as usual.
   */
  private async fromSibling(d: Descriptor, home: Promise<Store | undefined>): Promise<void> {
    const from = await home;
    if (from && from !== this.dst) {
      if (await this.check(() => this.dst.mountBlob!(d, from))) {
        this.run.stats.blobsMounted++;
        return;
      }
    }
    await this.transfer(d);
  }

  private async transfer(d: Descriptor): Promise<void> {
    const { stats } = this.run;
    if (await this.check(() => this.dst.hasBlob(d))) {
      stats.blobsSkipped++;
      return;
    }
    const { mountBlob } = this.dst;
    if (mountBlob && (await this.check(() => mountBlob.call(this.dst, d, this.src)))) {
      stats.blobsMounted++;
      return;
    }
    await this.run.limit(() =>
      this.streamChecked(d).catch((err: unknown) => {
        // Set before the slot is given up: the transfer waiting for it must not start.
        this.run.halt.stopped = true;
        throw err;
      }),
    );
    stats.blobsCopied++;
    stats.bytesCopied += d.size;
  }

  private async streamChecked(d: Descriptor): Promise<void> {
    try {
      await this.stream(d);
    } catch (err) {
      if (!(err instanceof DigestMismatchError)) throw err;
      // Corrupted on the way: fetch it once more from the source. Corrupted at rest, it
      // arrives the same way again and the second mismatch fails the copy.
      this.run.log.info(`${errorMessage(err)}; fetching it once more from ${this.src.name}`);
      await this.stream(d);
    }
  }

  private async stream(d: Descriptor): Promise<void> {
    let retries = 0;
    try {
      await withRetry(async (attempt) => {
        retries = attempt;
        this.checkHalt();
        const body = await this.open(d);
        // Counted as it flows: paused again at once, so nothing flows before the target reads.
        body.on('data', (chunk: Buffer) => this.run.streamed(chunk.length)).pause();
        try {
          await this.dst.putBlob(d, body);
        } catch (err) {
          body.destroy();
          // A streamed body cannot be replayed: any fault of the transfer starts it over.
          if (err instanceof UserError || err instanceof RetryableError) throw err;
          throw new RetryableError(describe(err));
        }
      }, this.run.policy);
    } catch (err) {
      // An upload session opened for the blob is not left behind.
      await this.dst.discardBlob?.(d);
      if (err instanceof UserError) throw err;
      const after = retries ? ` after ${retries === 1 ? '1 retry' : `${retries} retries`}` : '';
      throw new UserError(
        `${this.dst.name}: copying blob ${d.digest} (${d.size} bytes) from ${this.src.name} failed${after}: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * The source's blob and the target's readiness for it at once: a registry target's upload
   * session is open by the time the blob's first bytes come, a round trip less per blob.
   */
  private async open(d: Descriptor): Promise<Readable> {
    const [body, ready] = await Promise.allSettled([
      this.src.openBlob(d),
      this.dst.prepareBlob?.(d),
    ]);
    if (body.status === 'rejected') throw body.reason;
    if (ready.status === 'rejected') {
      body.value.destroy();
      throw ready.reason;
    }
    return body.value;
  }
}

const STOPPED = 'stopped: another copy of this promotion failed';

/** A request or copy that gave up because another copy failed (however it was wrapped). */
export function isStop(err: unknown): boolean {
  return errorMessage(err).endsWith(STOPPED);
}

/** The policy, but a retry after another copy failed is not made. */
export function haltingPolicy(policy: RetryPolicy, halt: { stopped: boolean }): RetryPolicy {
  return {
    ...policy,
    sleep: async (ms) => {
      await policy.sleep(ms);
      if (halt.stopped) throw new UserError(STOPPED);
    },
  };
}

/** The error and what it wraps, on one line: a fetch failure names its cause only there. */
function describe(err: unknown): string {
  return [...causes(err, 4)].map(errorMessage).join(': ');
}
