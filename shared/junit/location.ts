import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TestCase } from './reader.js';

/**
 * Where a test case lives in the source tree, for annotations: the `file`/`line` attributes
 * when the producer wrote them (pytest, jest-junit with addFileAttribute, Ginkgo via
 * properties), else the first frame of the failure's stack trace that points into the
 * workspace. Paths come back relative to the workspace with forward slashes. JVM frames name
 * only a file's base name (Foo.java:42), which is no path: those cases fall back to the report.
 */
export interface Location {
  file: string;
  line?: number;
}

// Frame shapes of the producers we read, most specific first. Each yields (file, line).
const FRAMES: RegExp[] = [
  // Python traceback: File "/w/tests/test_x.py", line 12, in test_x
  /File "([^"]+)", line (\d+)/g,
  // Node: at fn (/w/src/a.test.js:12:5) or at /w/src/a.test.js:12:5
  /\bat (?:[^\s(]+ )?\(?((?:[A-Za-z]:)?[^\s():]+\.[cm]?[jt]sx?):(\d+):\d+\)?/g,
  // Go, Ginkgo, Rust, C/C++, pytest's short form: path/file.ext:LINE. The match may start only
  // where a token starts, so a long run of text is scanned once, not once per character.
  /(?<![^\s"'()[\]=])((?:[A-Za-z]:)?[^\s:"'()[\]]+?\.(?:go|rs|py|c|cc|cpp|cxx|h|hpp|rb|php|swift|sh|bats|pl|m|js|ts)):(\d+)\b/g,
];

/**
 * Turns a path as written (workspace-relative, relative to the producer's own root, or
 * absolute on another machine or in a container) into a workspace-relative path that exists;
 * undefined when none does. Without one, paths are only made workspace-relative.
 */
export type Resolve = (file: string) => string | undefined;

function normalize(file: string, workspace: string | undefined, resolve?: Resolve) {
  const f = file.replace(/\\/g, '/').replace(/^file:\/\//, '');
  if (!workspace) return resolve ? resolve(f) : f;
  const ws = workspace.replace(/\\/g, '/').replace(/\/+$/, '');
  if (path.posix.isAbsolute(f) || /^[A-Za-z]:\//.test(f)) {
    const inside = f !== ws && f.startsWith(`${ws}/`);
    if (!resolve) return inside ? f.slice(ws.length + 1) : undefined;
    return resolve(inside ? f.slice(ws.length + 1) : f);
  }
  const rel = f.replace(/^\.\//, '');
  return resolve ? resolve(rel) : rel;
}

// Frames in dependencies and the language runtime say nothing about the test's own code.
const NOISE =
  /(^|\/)(node_modules|vendor|site-packages|dist-packages|\.cargo|go\/pkg\/mod)\/|^node:|^internal\//;

/**
 * The first frame in `text` that points into the workspace. A bare file name (Go's test
 * output says `vm_test.go:37:`) is used only when no frame gives a path.
 */
export function locateInText(
  text: string,
  workspace?: string,
  resolve?: Resolve,
): Location | undefined {
  let best: { index: number; loc: Location } | undefined;
  let bare: { index: number; loc: Location } | undefined;
  for (const re of FRAMES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (NOISE.test(m[1].replace(/\\/g, '/'))) continue;
      const file = normalize(m[1], workspace, resolve);
      if (!file || NOISE.test(file)) continue;
      const line = Number(m[2]);
      const found = { index: m.index, loc: { file, line: line > 0 ? line : undefined } };
      if (file.includes('/')) {
        if (!best || found.index < best.index) best = found;
        break;
      }
      if (!bare || found.index < bare.index) bare = found;
    }
  }
  return (best ?? bare)?.loc;
}

function lineOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Where a test case is: attributes first, then its failure texts, then its output. */
export function locateCase(
  tc: TestCase,
  workspace?: string,
  resolve?: Resolve,
): Location | undefined {
  const runs = [...tc.results, ...tc.flakyRuns, ...tc.reruns];
  // Catch2 and xunit put file and line on the failure itself: the failing assertion.
  for (const r of runs) {
    const file = r.file ? normalize(r.file, workspace, resolve) : undefined;
    if (file) return lineOf(r.line) ? { file, line: lineOf(r.line) } : { file };
  }
  const a = tc.attributes;
  const attrFile = a.file || a.filepath || a.filename || tc.properties.file;
  const attrLine = lineOf(a.line || a.lineno || tc.properties.line);
  if (attrFile) {
    const file = normalize(attrFile, workspace, resolve);
    if (file) {
      // A frame in that same file names the failing line, which beats the attribute's line
      // (pytest writes the 0-based line of the `def`, jest-junit none).
      const frames = runs.map((r) => `${r.details ?? ''}\n${r.message ?? ''}`).join('\n');
      const inText = frames.trim() ? locateInText(frames, workspace, resolve) : undefined;
      if (inText && inText.file === file) return inText;
      return attrLine ? { file, line: attrLine } : { file };
    }
  }
  for (const r of runs) {
    const loc =
      locateInText(r.details ?? '', workspace, resolve) ??
      locateInText(r.message ?? '', workspace, resolve);
    if (loc) return loc;
  }
  if (tc.systemErr) return locateInText(tc.systemErr, workspace, resolve);
  return undefined;
}

// The workspace walk looks at this many entries at most, and never into these folders.
const WALK_LIMIT = 50_000;
const SKIP_DIRS = new Set(['.git', 'node_modules', 'vendor', '_out', '.cache', 'dist']);

/**
 * Paths resolved against what exists in the workspace, the way a person would look for the
 * file: as written; under the report's folder and its parents (pytest writes paths relative
 * to its rootdir); under the Go package path the case's classname names (Go writes only the
 * base name); the longest tail of a foreign absolute path that exists (a container's
 * /root/go/src/kubevirt.io/kubevirt/tests/x.go); else the one file in the workspace whose
 * path ends so. Answers are cached: a trace names the same files again and again.
 */
export class WorkspaceResolver {
  private readonly cache = new Map<string, string | undefined>();
  private files: string[] | undefined;

  constructor(
    private readonly workspace: string,
    private readonly isFile: (abs: string) => boolean = defaultIsFile,
  ) {}

  /** A resolver for one case: the report's folder and the case's classname are hints. */
  forCase(tc: TestCase): Resolve {
    const reportDir = path.posix.dirname(tc.report.replace(/\\/g, '/'));
    const pkg = /^[\w.-]+(\/[\w.-]+)+$/.test(tc.classname) ? tc.classname : '';
    return (file) => this.resolve(file, reportDir, pkg);
  }

  private exists(rel: string): boolean {
    if (!rel || rel.startsWith('../') || rel === '..' || path.posix.isAbsolute(rel)) return false;
    return this.isFile(path.join(this.workspace, rel));
  }

  resolve(file: string, reportDir = '.', pkg = ''): string | undefined {
    const key = `${file}\u0000${reportDir}\u0000${pkg}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const found = this.find(file.replace(/^\/+(?=[A-Za-z]:)/, ''), reportDir, pkg);
    this.cache.set(key, found);
    return found;
  }

  private find(file: string, reportDir: string, pkg: string): string | undefined {
    const abs = path.posix.isAbsolute(file) || /^[A-Za-z]:\//.test(file);
    const parts = file.split('/').filter((p) => p && p !== '.');
    const candidates: string[] = [];
    if (pkg && parts.length === 1) {
      const segs = pkg.split('/');
      for (let i = 0; i < segs.length; i++) candidates.push([...segs.slice(i), parts[0]].join('/'));
    }
    if (!abs) {
      candidates.push(parts.join('/'));
      for (let d = reportDir; d && d !== '.' && d !== '/'; d = path.posix.dirname(d))
        candidates.push(`${d}/${parts.join('/')}`);
    }
    // Tails of a path from elsewhere, longest first; never the bare name alone (too loose).
    for (let i = abs ? 0 : 1; i < parts.length - 1; i++) candidates.push(parts.slice(i).join('/'));
    for (const c of candidates) if (this.exists(c)) return c;
    if (parts.length < 2) return undefined;
    return this.search(parts.slice(-2).join('/'), parts);
  }

  /** The one workspace file ending with the longest tail of `parts`; none when ambiguous. */
  private search(tail: string, parts: string[]): string | undefined {
    const files = this.listFiles();
    let matches = files.filter((f) => f === tail || f.endsWith(`/${tail}`));
    for (let n = 3; matches.length > 1 && n <= parts.length; n++) {
      const longer = parts.slice(-n).join('/');
      const narrowed = matches.filter((f) => f === longer || f.endsWith(`/${longer}`));
      if (narrowed.length === 0) break;
      matches = narrowed;
    }
    return matches.length === 1 ? matches[0] : undefined;
  }

  private listFiles(): string[] {
    if (this.files) return this.files;
    const out: string[] = [];
    const queue = [''];
    let seen = 0;
    while (queue.length && seen < WALK_LIMIT) {
      const dir = queue.shift() as string;
      let entries;
      try {
        entries = readdirSync(path.join(this.workspace, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (++seen > WALK_LIMIT) break;
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) queue.push(rel);
        } else if (e.isFile()) out.push(rel);
      }
    }
    this.files = out;
    return out;
  }
}

function defaultIsFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}
