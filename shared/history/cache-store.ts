import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import {
  DirectoryStore,
  type HistoryQuery,
  type HistoryRead,
  type HistoryStore,
  type Retention,
} from './directory-store.js';
import type { HistoryRun } from './entry.js';

/**
 * The history in the Actions cache. Cache entries cannot change, so each run saves a new
 * entry under a new key holding the environment's history with this run added (pruned to the
 * retention), and a reader restores the newest entry whose key has the environment's prefix.
 * Each environment has its own prefix, so matrix jobs of different environments never meet.
 * Two jobs of one environment finishing at once each save their own entry; the next reader
 * restores the newer, and the other job's run is missing from the history from then on (the
 * cache has no way to list entries without a token): give such jobs their own `environment`
 * name (a shard suffix) to keep every run.
 */
export interface CacheClient {
  isFeatureAvailable(): boolean;
  restoreCache(
    paths: string[],
    primaryKey: string,
    restoreKeys?: string[],
  ): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

export interface CacheStoreOptions {
  repository: string;
  workflow: string;
  environment: string;
  /**
   * The folder the entries are restored into, relative to the workspace. The cache client
   * finds it from the working directory, which a step's is: the workspace.
   */
  folder: string;
  workspace: string;
  retention?: Retention;
  /** @actions/cache; loaded on first use when not given. */
  client?: CacheClient;
}

export class CacheStore implements HistoryStore {
  private restored: Promise<string> | undefined;
  private readonly local: DirectoryStore;

  constructor(private readonly opts: CacheStoreOptions) {
    this.local = new DirectoryStore(path.resolve(opts.workspace, opts.folder), opts.retention);
  }

  /** The key prefix of this environment's entries. */
  get prefix(): string {
    const part = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
    return `virt-ci-history-v1-${part(this.opts.repository)}-${part(this.opts.workflow)}-${part(this.opts.environment)}-`;
  }

  async read(query: HistoryQuery = {}): Promise<HistoryRead> {
    const note = await this.restore();
    const read = await this.local.read({ ...query, environment: this.opts.environment });
    return note ? { ...read, notes: [note] } : read;
  }

  async write(run: HistoryRun): Promise<void> {
    await this.restore();
    await this.local.write(run);
    const client = await this.client();
    const key = `${this.prefix}${run.runId}-${run.runAttempt}-${randomBytes(4).toString('hex')}`;
    const id = await client.saveCache([this.opts.folder], key);
    if (!(id > 0)) throw new Error(`the cache did not save ${key}`);
  }

  /** Restore once; a note when there was nothing to restore or the cache failed. */
  private restore(): Promise<string> {
    this.restored ??= (async () => {
      const client = await this.client();
      if (!client.isFeatureAvailable()) return 'history: no cache service in this job';
      try {
        const hit = await client.restoreCache([this.opts.folder], `${this.prefix}latest`, [
          this.prefix,
        ]);
        return hit ? '' : `history: no entry for ${this.prefix}* yet`;
      } catch (err) {
        return `history: the cache could not be read (${errorMessage(err)})`;
      }
    })();
    return this.restored;
  }

  private async client(): Promise<CacheClient> {
    return this.opts.client ?? ((await import('@actions/cache')) as CacheClient);
  }
}
