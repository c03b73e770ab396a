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

function normalize(file: string, workspace: string | undefined): string | undefined {
  const f = file.replace(/\\/g, '/').replace(/^file:\/\//, '');
  if (!workspace) return f;
  const ws = workspace.replace(/\\/g, '/').replace(/\/+$/, '');
  if (path.posix.isAbsolute(f) || /^[A-Za-z]:\//.test(f)) {
    if (f === ws || !f.startsWith(`${ws}/`)) return undefined;
    return f.slice(ws.length + 1);
  }
  return f.replace(/^\.\//, '');
}

// Frames in dependencies and the language runtime say nothing about the test's own code.
const NOISE =
  /(^|\/)(node_modules|vendor|site-packages|dist-packages|\.cargo|go\/pkg\/mod)\/|^node:|^internal\//;

/**
 * The first frame in `text` that points into the workspace. A bare file name (Go's test
 * output says `vm_test.go:37:`) is used only when no frame gives a path.
 */
export function locateInText(text: string, workspace?: string): Location | undefined {
  let best: { index: number; loc: Location } | undefined;
  let bare: { index: number; loc: Location } | undefined;
  for (const re of FRAMES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const file = normalize(m[1], workspace);
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
export function locateCase(tc: TestCase, workspace?: string): Location | undefined {
  const a = tc.attributes;
  const attrFile = a.file || a.filepath || a.filename || tc.properties.file;
  const attrLine = lineOf(a.line || a.lineno || tc.properties.line);
  if (attrFile) {
    const file = normalize(attrFile, workspace);
    if (file) {
      // A frame in that same file names the failing line, which beats the attribute's line
      // (pytest writes the 0-based line of the `def`, jest-junit none).
      const frames = [...tc.results, ...tc.flakyRuns, ...tc.reruns]
        .map((r) => `${r.details ?? ''}\n${r.message ?? ''}`)
        .join('\n');
      const inText = frames.trim() ? locateInText(frames, workspace) : undefined;
      if (inText && inText.file === file) return inText;
      return attrLine ? { file, line: attrLine } : { file };
    }
  }
  for (const r of [...tc.results, ...tc.flakyRuns, ...tc.reruns]) {
    const loc =
      locateInText(r.details ?? '', workspace) ?? locateInText(r.message ?? '', workspace);
    if (loc) return loc;
  }
  if (tc.systemErr) return locateInText(tc.systemErr, workspace);
  return undefined;
}
