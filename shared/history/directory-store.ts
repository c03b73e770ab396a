import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicAsync } from '../files.js';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Interner, decodeInflated, encodeRun, inflateOptions, type HistoryRun } from './entry.js';

const gunzipAsync = promisify(gunzip);

/**
 * The history as a folder: one file per run and job, under a folder per environment, named so
 * that names sort by time. Each job writes a file no other job writes, so matrix jobs writing
 * at once lose nothing; readers merge what is there. Old runs beyond `keep` per environment
 * (and older than `maxAgeDays`) are removed when a run is written.
 */
export interface HistoryQuery {
  environment?: string;
  /** Newest runs first, at most this many per environment. */
  limit?: number;
  since?: Date;
}

export interface HistoryRead {
  runs: HistoryRun[];
  /** One line per entry that could not be read, and why; those entries are skipped. */
  skipped: string[];
  /** What the store has to say besides (no entry yet, a cache that could not be read). */
  notes?: string[];
}

export interface HistoryStore {
  read(query?: HistoryQuery): Promise<HistoryRead>;
  write(run: HistoryRun): Promise<void>;
}

export interface Retention {
  keep: number;
  maxAgeDays?: number;
}

const SUFFIX = '.json.gz';
const READ_AHEAD = 8;

export class DirectoryStore implements HistoryStore {
  constructor(
    readonly dir: string,
    private readonly retention: Retention = { keep: 100 },
  ) {}

  async read(query: HistoryQuery = {}): Promise<HistoryRead> {
    const out: HistoryRead = { runs: [], skipped: [] };
    const interner = new Interner();
    for (const env of await this.environments(query.environment)) {
      const files = (await this.files(env)).reverse();
      // Files are read a few ahead of the one being decoded: the reads overlap the work.
      // Inflating runs on the thread pool, beside the decoding of the file before.
      const reads = new Map<number, Promise<Buffer | { bad: string }>>();
      const fetch = (i: number) => {
        if (i < files.length && !reads.has(i)) reads.set(i, this.inflate(path.join(env, files[i])));
      };
      let taken = 0;
      for (let i = 0; i < files.length; i++) {
        if (query.limit !== undefined && taken >= query.limit) break;
        for (let k = i; k < i + READ_AHEAD; k++) fetch(k);
        const where = path.join(env, files[i]);
        const inflated = await (reads.get(i) as Promise<Buffer | { bad: string }>);
        reads.delete(i);
        const run = Buffer.isBuffer(inflated) ? decodeInflated(inflated, interner) : inflated;
        if ('bad' in run) {
          out.skipped.push(`${where}: ${run.bad}`);
          continue;
        }
        if (query.since && Date.parse(run.time) < query.since.getTime()) break;
        out.runs.push(run);
        taken++;
      }
    }
    out.runs.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    return out;
  }

  private async inflate(where: string): Promise<Buffer | { bad: string }> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path.join(this.dir, where));
    } catch (err) {
      return { bad: `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})` };
    }
    try {
      return await gunzipAsync(bytes, inflateOptions(bytes));
    } catch (err) {
      return { bad: `not a gzipped history entry (${(err as Error).message.split('\n')[0]})` };
    }
  }

  async write(run: HistoryRun): Promise<void> {
    const env = folderName(run.environment);
    const stamp = run.time.replace(/[:.]/g, '-');
    const name = `${stamp}_${folderName(run.runId)}-${run.runAttempt}_${randomBytes(4).toString('hex')}${SUFFIX}`;
    await writeFileAtomicAsync(path.join(this.dir, env, name), encodeRun(run));
    await this.prune(env, Date.parse(run.time));
  }

  /** Oldest first; names start with the run's time, so name order is time order. */
  private async files(env: string): Promise<string[]> {
    const names = await fs.readdir(path.join(this.dir, env)).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith(SUFFIX) && !n.startsWith('.')).sort();
  }

  private async environments(only?: string): Promise<string[]> {
    if (only !== undefined) return [folderName(only)];
    const entries = await fs.readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  private async prune(env: string, now: number): Promise<void> {
    const files = await this.files(env);
    const excess = Math.max(0, files.length - this.retention.keep);
    const cutoff =
      this.retention.maxAgeDays === undefined
        ? -Infinity
        : now - this.retention.maxAgeDays * 86_400_000;
    const old = files.filter((f, i) => i < excess || Date.parse(timeOf(f)) < cutoff);
    for (const f of old) await fs.rm(path.join(this.dir, env, f), { force: true });
  }
}

/** A name safe as one path segment, the same for the same input. */
function folderName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`) || 'default';
}

/** The ISO time at the start of a file name, back from its file-name form. */
function timeOf(file: string): string {
  const stamp = file.split('_')[0];
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(stamp);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : '';
}
