import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { cleanLabel } from '../../shared/labels/filter.js';

/**
 * The quarantine file: tests and labels known to be flaky, left out until fixed.
 *
 * Text form, one entry a line: a test id, or `label:<label>`, optionally followed by
 * whitespace and `# reason`. A line starting with `#` is a comment. Ids are trimmed.
 * YAML/JSON form: `{tests: [...], labels: [...]}` where an entry is a string or
 * `{id|label, reason, until}`; an entry whose `until` date has passed no longer applies,
 * so a forgotten quarantine ends by itself and shows up in the summary.
 */
export interface QuarantineEntry {
  kind: 'test' | 'label';
  value: string;
  reason?: string;
  until?: string;
}

export interface Quarantine {
  file: string;
  active: QuarantineEntry[];
  expired: QuarantineEntry[];
  /** Made from the history (`quarantine: auto`), not read from a file someone keeps. */
  auto?: boolean;
}

export async function readQuarantine(
  workspace: string,
  rel: string,
  now = new Date(),
  what = 'input "quarantine"',
): Promise<Quarantine> {
  const file = path.resolve(workspace, rel);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${what}: ${quote(rel)} does not exist (relative to the workspace)`
        : `${what}: ${quote(rel)} cannot be read: ${(err as Error).message}`,
    );
  }
  const entries = /\.(ya?ml|json)$/i.test(rel) ? await structured(text, rel) : plain(text, rel);
  const today = now.toISOString().slice(0, 10);
  const active: QuarantineEntry[] = [];
  const expired: QuarantineEntry[] = [];
  for (const e of entries) (e.until !== undefined && e.until < today ? expired : active).push(e);
  return { file: rel, active, expired };
}

function label(value: string, where: string): string {
  const clean = cleanLabel(value);
  if (clean === undefined) {
    throw new UserError(
      `${where}: ${quote(value)} is not a valid Ginkgo label; labels are not empty and contain none of &|!,()/`,
    );
  }
  return clean;
}

function plain(text: string, rel: string): QuarantineEntry[] {
  const out: QuarantineEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    // A reason follows after whitespace and `#`: an id may hold a `#`, but not one after a space.
    const [, entry, reason] = /^(.*?)(?:\s+#\s*(.*))?$/.exec(raw.trim()) ?? [];
    const line = entry.trim();
    if (line === '' || line.startsWith('#')) return;
    const why = reason?.trim() ? { reason: reason.trim() } : {};
    const m = /^label:\s*(.*)$/i.exec(line);
    out.push(
      m
        ? { kind: 'label', value: label(m[1], `${rel}:${i + 1}`), ...why }
        : { kind: 'test', value: line, ...why },
    );
  });
  return out;
}

async function structured(text: string, rel: string): Promise<QuarantineEntry[]> {
  // The YAML parser is loaded only for a structured list: a plain one needs none.
  const { parse: parseYaml } = await import('yaml');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UserError(`${rel}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(`${rel}: must be a mapping with "tests" and/or "labels" lists`);
  }
  const out: QuarantineEntry[] = [];
  for (const [key, list] of Object.entries(doc as Record<string, unknown>)) {
    if (key !== 'tests' && key !== 'labels') {
      throw new UserError(`${rel}: unknown field ${quote(key)}; allowed: tests, labels`);
    }
    if (list === null) continue;
    if (!Array.isArray(list)) throw new UserError(`${rel}: ${key} must be a list`);
    const kind = key === 'tests' ? 'test' : 'label';
    const field = kind === 'test' ? 'id' : 'label';
    list.forEach((item: unknown, i) => {
      const where = `${rel}: ${key}[${i}]`;
      const obj = (typeof item === 'string' ? { [field]: item } : item) as Record<
        string,
        unknown
      > | null;
      const value = obj?.[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new UserError(`${where}: needs a "${field}" string (or give the ${field} alone)`);
      }
      const until = obj?.until instanceof Date ? obj.until.toISOString().slice(0, 10) : obj?.until;
      if (
        until !== undefined &&
        (typeof until !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(until))
      ) {
        throw new UserError(`${where}: until ${quote(until)} is not a date; allowed: YYYY-MM-DD`);
      }
      const reason = obj?.reason;
      out.push({
        kind,
        value: kind === 'label' ? label(value, where) : value.trim(),
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(until !== undefined ? { until } : {}),
      });
    });
  }
  return out;
}
