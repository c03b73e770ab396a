import type { Readable } from 'node:stream';
import type { Log } from '../../shared/action/log.js';
import { UserError } from '../../shared/errors.js';
import { formatDuration } from '../../shared/format.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { Descriptor, Manifest } from './manifest.js';

/**
 * One repository an image can be read from or written to: a repository in a registry, or an
 * OCI image layout on disk. Promotion is written against this, so the same copy logic serves
 * registry → registry, layout → registry and layout → layout.
 */
export interface Store {
  /** `registry/repository` or `oci:<dir>`, for messages. */
  readonly name: string;
  /** Registry host, or `oci:<dir>`: blobs can be mounted only within the same one. */
  readonly location: string;
  /** A manifest by tag or digest; undefined when the registry has none. */
  getManifest(ref: string): Promise<Manifest | undefined>;
  hasManifest(digest: string): Promise<boolean>;
  /** The digest a tag points at, without fetching the manifest; undefined when absent. */
  tagDigest(tag: string): Promise<string | undefined>;
  /** Write the exact bytes, under a digest or a tag. */
  putManifest(m: Manifest, ref: string): Promise<void>;
  hasBlob(d: Descriptor): Promise<boolean>;
  /** The blob's bytes as a Node stream: piped into the target with backpressure. */
  openBlob(d: Descriptor): Promise<Readable>;
  /** Stream a blob in; the bytes are checked against the descriptor's digest. */
  putBlob(d: Descriptor, body: Readable): Promise<void>;
  /**
   * Get ready to take the blob (a registry opens its upload session) while the source opens
   * it: putBlob then starts sending at once.
   */
  prepareBlob?(d: Descriptor): Promise<void>;
  /** Give up what prepareBlob (or a mount the registry turned into an upload) opened. */
  discardBlob?(d: Descriptor): Promise<void>;
  /** Mount from another repository of the same location; false: copy it instead. */
  mountBlob?(d: Descriptor, from: Store): Promise<boolean>;
  /** Referrers of a digest through the OCI referrers API; undefined when there is none. */
  referrers(digest: string): Promise<Descriptor[] | undefined>;
  /** Repository path inside the location (registry stores). */
  readonly repository?: string;
}

/**
 * A blob that arrived with other bytes than its digest names: corrupted on the way (the copy
 * fetches it once more from the source) or at rest (the second fetch fails the same way).
 */
export class DigestMismatchError extends UserError {}

/** Counters every store adds to; read for the outputs and the benchmark. */
export interface Stats {
  requests: number;
  bytesCopied: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  manifestsWritten: number;
  retries: number;
}

export function newStats(): Stats {
  return {
    requests: 0,
    bytesCopied: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsSkipped: 0,
    manifestsWritten: 0,
    retries: 0,
  };
}

/** The run's retry policy with every retry counted (`count`) and said in the log. */
export function countedPolicy(base: RetryPolicy, log: Log, count: () => void): RetryPolicy {
  return {
    ...base,
    onRetry: (info) => {
      count();
      log.info(`retry ${info.attempt} in ${formatDuration(info.delayMs)}: ${info.reason}`);
      base.onRetry?.(info);
    },
  };
}
