import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * Files matching globs, the way the Actions toolkit's globber matches them for users of
 * actions/upload-artifact and the JUnit actions: `*`, `?`, `[...]` and `**`; a leading `!`
 * excludes; hidden files match; directories never do; symbolic links are followed. Relative
 * patterns are relative to `cwd`; the result is absolute paths, sorted, each once.
 *
 * Built on tinyglobby (fdir + picomatch) rather than @actions/glob, which loads @actions/core
 * and its HTTP client — a megabyte of bundle at every start of a step that only lists files.
 */
export interface GlobOptions {
  /** A pattern naming a directory also matches every file below it (the toolkit's default). */
  implicitDescendants?: boolean;
}

export async function globFiles(
  patterns: readonly string[],
  cwd: string,
  opts: GlobOptions = {},
): Promise<string[]> {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const body = negated ? raw.slice(1) : raw;
    if (body === '') continue;
    (negated ? exclude : include).push(relativePattern(body, cwd));
  }
  if (include.length === 0) return [];
  if (exclude.length === 0 && include.every((p) => !GLOB_CHARS.test(p))) {
    return literalFiles(include, cwd, opts);
  }
  const { glob } = await import('tinyglobby');
  const found = await glob(include, {
    cwd,
    ignore: exclude,
    absolute: true,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: true,
    expandDirectories: opts.implicitDescendants ?? false,
    // The toolkit's globber expands neither braces nor extglobs: `{a,b}` is literal there.
    braceExpansion: false,
    extglob: false,
  });
  return [...new Set(found.map((f) => path.resolve(f)))].sort();
}

const GLOB_CHARS = /[*?[\]]/;

/**
 * Plain paths need no directory walk (and no matcher to load): each names a file that exists,
 * or — with implicitDescendants — a directory whose files all match.
 */
async function literalFiles(
  paths: readonly string[],
  cwd: string,
  opts: GlobOptions,
): Promise<string[]> {
  const out = new Set<string>();
  for (const p of paths) {
    const file = path.resolve(cwd, p);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) out.add(file);
    else if (st?.isDirectory() && opts.implicitDescendants) {
      for (const f of await globFiles([`${p.replace(/\/+$/, '')}/**`], cwd)) out.add(f);
    }
  }
  return [...out].sort();
}

/** A pattern relative to `cwd`, with the parts of an absolute path outside it kept as `../`. */
function relativePattern(pattern: string, cwd: string): string {
  if (!path.isAbsolute(pattern)) return pattern.replace(/^\.\//, '');
  const { base, rest } = splitLiteralBase(pattern);
  const rel = path.relative(cwd, base).split(path.sep).join('/');
  return [rel, rest].filter((p) => p !== '').join('/') || '.';
}

/** The leading path segments that hold no glob characters, and the rest. */
function splitLiteralBase(pattern: string): { base: string; rest: string } {
  const parts = pattern.split('/');
  const first = parts.findIndex((p) => /[*?[\]]/.test(p));
  if (first < 0) return { base: pattern, rest: '' };
  return { base: parts.slice(0, first).join('/') || '/', rest: parts.slice(first).join('/') };
}
