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
 * The history in the Actions cache. Cache entries cannot change, so each job saves a new entry
 * under a new key holding the environment's history as it read it, with its run added (pruned
 * to the retention). Keys name the environment and the job (publish-junit's `name`), so each
 * job's newest entry holds every run it wrote. A reader restores the newest entry of every job
 * of the environment when it may list the repository's caches (a token with `actions: read`),
 * else the newest entry of its own job and the newest of the environment: two jobs of one
 * environment finishing at once then meet at the next run that restores the other's entry.
 * Each environment has its own prefix, so matrix jobs of different environments never meet.
 */
/**
 * @actions/cache reports a failed restore or save only as a workflow command it prints itself
 * (a warning with a paragraph about self-hosted runners) and returns as if nothing was there.
 * Its commands are taken off the output while it runs, so the step says what happened once,
 * in one line, and tells "no entry yet" from "the cache failed"; everything else it prints
 * passes through.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; said: string }> {
  const write = process.stdout.write;
  const said: string[] = [];
  process.stdout.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
    const m = /^::(warning|error)(?: [^:]*)?::(.*)$/s.exec(text.trimEnd());
    if (m) {
      said.push(decodeCommand(m[2]).split('\n')[0]);
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  } as typeof process.stdout.write;
  try {
    return { value: await fn(), said: said.join('; ') };
  } finally {
    process.stdout.write = write;
  }
}

function decodeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export interface CacheClient {
  isFeatureAvailable(): boolean;
  restoreCache(
    paths: string[],
    primaryKey: string,
    restoreKeys?: string[],
  ): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

/** Keys of the repository's cache entries that start with `prefix`, newest first. */
export type CacheLister = (prefix: string) => Promise<string[]>;

/** Most jobs of one environment whose entries a reader restores. */
const MAX_JOBS = 16;
const part = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_') || '_';

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
  /** The job writing (publish-junit's `name`); a reader that writes nothing leaves it out. */
  job?: string;
  /** Lists cache keys, to restore every job's newest entry; without it, see above. */
  lister?: CacheLister;
  /** @actions/cache; loaded on first use when not given. */
  client?: CacheClient;
}

export class CacheStore implements HistoryStore {
  private restored: Promise<string> | undefined;
  private readonly local: DirectoryStore;

  constructor(private readonly opts: CacheStoreOptions) {
    this.local = new DirectoryStore(path.resolve(opts.workspace, opts.folder), opts.retention);
  }

  /** The key prefix of this environment's entries ("~" is in no part: no prefix overlaps). */
  get prefix(): string {
    const o = this.opts;
    return `virt-ci-history-v1~${part(o.repository)}~${part(o.workflow)}~${part(o.environment)}~`;
  }

  private get jobPrefix(): string {
    return `${this.prefix}${part(this.opts.job ?? '')}~`;
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
    const key = `${this.jobPrefix}${part(run.runId)}-${run.runAttempt}-${randomBytes(4).toString('hex')}`;
    const { value: id, said } = await quietly(() => client.saveCache([this.opts.folder], key));
    if (!(id > 0)) throw new Error(`the cache did not save ${key}${said ? `: ${said}` : ''}`);
  }

  /** Restore once; a note when there was nothing to restore or the cache failed. */
  private restore(): Promise<string> {
    this.restored ??= (async () => {
      const client = await this.client();
      if (!client.isFeatureAvailable()) return 'history: no cache service in this job';
      try {
        const keys = await this.newestOfEachJob();
        const said: string[] = [];
        let hits = 0;
        const tries: Array<[string, string[]]> = keys
          ? keys.map((k) => [k, []])
          : [
              ...(this.opts.job === undefined
                ? []
                : [[`${this.jobPrefix}latest`, [this.jobPrefix]] as [string, string[]]]),
              [`${this.prefix}latest`, [this.prefix]],
            ];
        for (const [key, prefixes] of tries) {
          const got = await quietly(() => client.restoreCache([this.opts.folder], key, prefixes));
          if (got.value) hits++;
          if (got.said) said.push(got.said);
        }
        if (hits) return '';
        return said.length
          ? `history: the cache could not be read (${said.join('; ')})`
          : `history: no entry for ${this.prefix}* yet`;
      } catch (err) {
        return `history: the cache could not be read (${errorMessage(err)})`;
      }
    })();
    return this.restored;
  }

  /** Every job's newest key, when the caches can be listed; undefined when they cannot. */
  private async newestOfEachJob(): Promise<string[] | undefined> {
    if (!this.opts.lister) return undefined;
    let keys: string[];
    try {
      keys = await this.opts.lister(this.prefix);
    } catch {
      // No `actions: read` (or no API): the restore by prefix still works.
      return undefined;
    }
    const newest = new Map<string, string>();
    for (const key of keys) {
      if (!key.startsWith(this.prefix)) continue;
      const job = key.slice(this.prefix.length).split('~')[0];
      if (!newest.has(job) && newest.size < MAX_JOBS) newest.set(job, key);
    }
    return [...newest.values()];
  }

  private async client(): Promise<CacheClient> {
    return this.opts.client ?? ((await import('@actions/cache')) as CacheClient);
  }
}
