import {
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SaxesParser } from 'saxes';
import { PlainJUnitScanner, readPlainCases } from '../../actions/select-tests/quick-timings.js';
import { fixtures } from '../support/harness.js';

type Case = [name: string, classname: string, time: string | undefined];

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);

/** What a saxes pass says of the text fed in these chunks: its errors, root and testcases. */
function saxes(chunks: readonly string[]): { error: boolean; junit: boolean; cases: Case[] } {
  const parser = new SaxesParser({ position: false });
  let error = false;
  let root = '';
  const cases: Case[] = [];
  parser.on('error', () => {
    error = true;
  });
  parser.on('opentag', (tag) => {
    root ||= tag.name;
    if (tag.name !== 'testcase') return;
    const a = tag.attributes as Record<string, string | undefined>;
    cases.push([a.name ?? '', a.classname ?? a.class ?? '', a.time]);
  });
  for (const c of chunks) parser.write(c);
  parser.close();
  return { error, junit: JUNIT_ROOTS.has(root), cases };
}

/** saxes over a utf8 stream of the file, as the timings were read before. */
async function saxesFile(file: string): Promise<ReturnType<typeof saxes>> {
  const chunks: string[] = [];
  for await (const c of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 }))
    chunks.push(c as string);
  return saxes(chunks);
}

function quick(chunks: readonly string[]): { plain: boolean; cases: Case[] } {
  const cases: Case[] = [];
  const scanner = new PlainJUnitScanner((name, classname, time) =>
    cases.push([name, classname, time]),
  );
  let plain = true;
  for (const c of chunks) if (!scanner.write(c)) plain = false;
  return { plain: scanner.end() && plain, cases };
}

function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Cut at random places, many of them inside tags, references and markup. */
function randomChunks(text: string, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(r() ** 3 * 300);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SIZES = [1, 2, 3, 5, 8, 13, 64, 251, 4096, 65536];

/**
 * The new reader against saxes on one text in many chunkings: plain means saxes found no
 * error, the root is JUnit's and the testcases are the same; saxes' errors are never plain.
 * Returns whether it was plain (the same in every chunking).
 */
function agree(text: string, sizes: readonly number[] = SIZES, seed = 1): boolean {
  const want = saxes([text]);
  const chunkings = [...sizes.map((n) => chunked(text, n)), randomChunks(text, seed)];
  const answers = new Set<boolean>();
  for (const chunks of chunkings) {
    const got = quick(chunks);
    answers.add(got.plain);
    if (want.error || !want.junit) {
      expect({ text, plain: got.plain }).toEqual({ text, plain: false });
    } else if (got.plain) {
      expect({ text, cases: got.cases }).toEqual({ text, cases: want.cases });
    }
  }
  // saxes itself, fed the same chunks, is no different.
  expect(saxes(chunkings[0])).toEqual(want);
  expect({ text, answers: [...answers] }).toEqual({ text, answers: [answers.has(true)] });
  return answers.has(true);
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? xmlFiles(p) : e.name.endsWith('.xml') ? [p] : [];
  });
}

// Ginkgo, Surefire, pytest... attribute values as producers write them.
const NAMES = [
  'plain name',
  '[It] [sig-compute]VMI lifecycle should start [sig-compute, Serial]',
  'quotes &quot;a&quot; &amp; &apos;b&apos; &lt;tag&gt;',
  'char refs &#34;x&#34; &#39;y&#39; &#x9;tab&#xA;nl&#xD;cr &#x1F600; &#233;',
  'tab\tand\nnewline and\r\ncrlf and\rcr',
  'unicode ünïcödé 名前 😀',
  "it's > than",
  '',
  'a]]>b',
  'x'.repeat(300),
];

const ATTR_QUOTES = ['"', "'"];

function attr(r: () => number, name: string, value: string): string {
  const q = ATTR_QUOTES[Math.floor(r() * 2)];
  const v = q === '"' ? value.replace(/"/g, '&quot;') : value.replace(/'/g, '&apos;');
  const sp = [' ', '  ', '\n\t', ' \r\n '][Math.floor(r() ** 2 * 4)];
  const eq = ['=', ' = ', '=\n'][Math.floor(r() ** 3 * 3)];
  return `${sp}${name}${eq}${q}${v}${q}`;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** A plain report, from what producers write and what XML allows on top of it. */
function plainReport(seed: number): string {
  const r = rng(seed);
  const nl = r() < 0.2 ? '\r\n' : '\n';
  const parts: string[] = [];
  if (r() < 0.1) parts.push('\uFEFF');
  if (r() < 0.7) {
    parts.push(
      pick(r, [
        '<?xml version="1.0"?>',
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<?xml version="1.0" encoding="utf-8" standalone="yes" ?>',
        '<?xml  version = "1.0"\n?>',
      ]),
    );
  }
  if (r() < 0.2) parts.push(`${nl}<!-- generated - by a tool -->`);
  const root = pick(r, ['testsuites', 'testsuite', 'testrun']);
  parts.push(`${nl}<${root}${attr(r, 'name', 'all')}${r() < 0.3 ? attr(r, 'time', '1.5') : ''}>`);
  const suites = 1 + Math.floor(r() * 3);
  for (let s = 0; s < suites; s++) {
    parts.push(`${nl}  <testsuite${attr(r, 'name', `suite ${s}`)}>`);
    if (r() < 0.3) {
      parts.push(`${nl}    <properties><property name="go.version" value="go1.22"/></properties>`);
    }
    const cases = Math.floor(r() * 6);
    for (let c = 0; c < cases; c++) {
      const attrs = [
        attr(r, 'name', pick(r, NAMES)),
        ...(r() < 0.8 ? [attr(r, r() < 0.9 ? 'classname' : 'class', pick(r, NAMES))] : []),
        ...(r() < 0.9 ? [attr(r, 'time', pick(r, ['0.001', '12', '1,5', '', ' 3 ']))] : []),
        ...(r() < 0.2 ? [attr(r, 'file', 'a_test.go'), attr(r, 'xmlns:x', 'urn:x')] : []),
      ];
      for (let k = attrs.length - 1; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [attrs[k], attrs[j]] = [attrs[j], attrs[k]];
      }
      const open = `${nl}    <testcase${attrs.join('')}${pick(r, ['', ' ', '\n'])}`;
      const body = pick(r, [
        '',
        '<skipped/>',
        `<failure message="boom &amp; &#60;more&#62;" type="x">stack ] ]] &gt; ]]&gt;${nl}at line 3</failure>`,
        `<system-out><![CDATA[log <b>bold</b> & 😀 ]] ]]]]><![CDATA[>${nl}]]></system-out>`,
        '<!-- a comment - no, 😀 --->'.replace('--->', '-->'),
        `<system-err>&#x2713; text with &#233; and 😀</system-err>`,
      ]);
      parts.push(body || r() < 0.5 ? `${open}>${body}</testcase >` : `${open}/>`);
    }
    parts.push(`${nl}  </testsuite>`);
  }
  parts.push(`${nl}</${root}>`);
  if (r() < 0.3) parts.push(`${nl}<!-- after -->${nl}`);
  else parts.push(nl);
  return parts.join('');
}

/** One change that XML forbids, or that takes the report out of the plain subset. */
const BREAKS: Array<(doc: string, r: () => number) => string> = [
  (d, r) => d.slice(0, Math.floor(r() * d.length)),
  (d) => d.replace('<testsuite ', '<testsuite name="x" '),
  (d) => d.replace(/<testcase /, '<testcase name="a" name="b" '),
  (d) => d.replace(/<testcase /, '<testcase time="1" time="1" '),
  (d) => d.replace(/(<\?xml[^>]*>)?/, '$1<!DOCTYPE testsuites>'),
  (d) => d.replace(/(<\?xml[^>]*>)?/, '$1<!DOCTYPE testsuites [<!ENTITY e "x">]>'),
  (d) => d.replace(/<testsuite /, '<testsuite a="&e;" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&#0;" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&#xD800;" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&#X41;" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&amp" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&#;" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="&#12345678;" '),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>&nbsp;'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>a ]]> b'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>\u0001'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>\uFFFE'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>\uDC00'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>\uD800x'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><!-- \uDC00 -->'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><![CDATA[\uD800x]]>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><![CDATA[\u0002]]>'),
  (d) => d.replace(/<testsuite /, '<testsuite a="\uDC00" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="😀\uD800" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="\u0003" '),
  (d) => d.replace(/<testsuite /, '<testsuite a="\uFFFF" '),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><?pi body?>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><!-- a -- b -->'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><!-- a --->'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><!-x>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><ünï/>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><a b=c/>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><a b="1"c="2"/>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><a b="<"/>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><a b/>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1><a / >'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1></b>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1></>'),
  (d) => d.replace(/<testsuite ([^>]*)>/, '<testsuite $1>< a/>'),
  (d) => d.replace(/<\/testsuite>/, '</testsuit>'),
  (d) => d.replace(/<\/testsuite>/, ''),
  (d) => d.replace(/<\?xml version=["']1\.0["']/, '<?xml version="1.1"'),
  // XML 1.1 reads NEL and LS as line breaks: a space in a value.
  (d) =>
    d
      .replace(/^(\uFEFF)?(<\?xml[^>]*>)?/, '$1<?xml version="1.1"?>')
      .replace(/<testcase(\s+)name=(["'])/, '<testcase$1name=$2\u0085\u2028'),
  (d) => d.replace(/<\?xml[^>]*>/, ' <?xml version="1.0"?>'),
  (d) => `<?xml version="1.0"?><?xml version="1.0"?>${d.replace(/<\?xml[^>]*>/, '')}`,
  (d) => `${d}<testsuite/>`,
  (d) => `${d}text`,
  (d) => `text${d.replace(/<\?xml[^>]*>/, '')}`,
  (d) => `${d}<![CDATA[x]]>`,
  (d) => `${d}&amp;`,
  (d) => `${d}\uD800`,
  (d) => d.replace(/<(\/?)(testsuites|testsuite|testrun)([ >])/g, '<$1report$3'),
  (d) => d.replace(/<(\/?)(testsuites|testsuite|testrun)([ >])/g, '<$1x:$2$3'),
  (d) => `<!-- first -->${d}`,
  () => '',
  () => ' \n ',
];

describe('the plain JUnit scanner reads what saxes reads, or says it is not plain', () => {
  it('on every JUnit fixture', () => {
    const files = xmlFiles(fixtures);
    expect(files.length).toBeGreaterThan(50);
    let plain = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // Per character, the biggest take long: a tag cut in two is scanned again as it grows.
      const sizes = text.length > 64 * 1024 ? SIZES.filter((n) => n >= 13) : SIZES;
      if (agree(text, sizes)) plain++;
    }
    // Nearly every report a producer writes is plain: the fast path is the usual one.
    expect(plain).toBeGreaterThan(files.length * 0.8);
  });

  it('on generated plain reports, which it reads itself', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const doc = plainReport(seed);
      expect({ seed, plain: agree(doc, SIZES, seed) }).toEqual({ seed, plain: true });
    }
  });

  it('on broken ones and ones outside the plain subset', () => {
    let plain = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 7919);
      const doc = BREAKS[seed % BREAKS.length](plainReport(seed), r);
      if (agree(doc, SIZES, seed)) plain++;
    }
    // Some cuts fall after the root's end, which leaves a plain report.
    expect(plain).toBeLessThan(30);
  });

  it('on random one-character changes to plain reports', () => {
    const SPECIAL = [
      '<',
      '>',
      '&',
      ';',
      '"',
      "'",
      '/',
      '=',
      ']',
      '-',
      '!',
      '?',
      '#',
      ' ',
      '\r',
      'x',
    ];
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 104729);
      let doc = plainReport(seed);
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(r() * doc.length);
        const op = r();
        const ch = pick(r, SPECIAL);
        doc =
          op < 0.4
            ? doc.slice(0, at) + ch + doc.slice(at)
            : op < 0.7
              ? doc.slice(0, at) + doc.slice(at + 1)
              : doc.slice(0, at) + ch + doc.slice(at + 1);
      }
      agree(doc, [1, 3, 64, 65536], seed);
    }
  });
});

describe('reading a report file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quick-timings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes UTF-8 across read boundaries as a utf8 stream does', async () => {
    // Over a MiB, with multi-byte characters at every offset: some straddle the reads.
    const cases: string[] = [];
    for (let i = 0; i < 12000; i++) {
      const name = `${'é'.repeat(i % 7)}case ${i} 名前${'😀'.repeat(i % 3)} &amp; &#233;`;
      cases.push(`<testcase name="${name}" classname="pkg.é" time="${i % 13}.5"/>`);
    }
    const file = path.join(dir, 'big.xml');
    writeFileSync(file, `<?xml version="1.0"?>\n<testsuite>\n${cases.join('\n')}\n</testsuite>\n`);
    expect(statSync(file).size).toBeGreaterThan(1024 * 1024);
    const got: Case[] = [];
    expect(await readPlainCases(file, (n, c, t) => got.push([n, c, t]))).toBe(true);
    const want = await saxesFile(file);
    expect(want.error).toBe(false);
    expect(got).toEqual(want.cases);
  });

  it('says not plain for a file that is not or cannot be read; bytes no UTF-8 decode as a stream does', async () => {
    const cut = path.join(dir, 'cut.xml');
    writeFileSync(cut, '<testsuite><testcase name="a"/>');
    expect(await readPlainCases(cut, () => {})).toBe(false);
    expect(await readPlainCases(path.join(dir, 'missing.xml'), () => {})).toBe(false);
    expect(await readPlainCases(dir, () => {})).toBe(false);
    const invalid = path.join(dir, 'invalid.xml');
    // A byte that is no UTF-8 decodes to U+FFFD, as in a utf8 stream: still plain.
    writeFileSync(
      invalid,
      Buffer.concat([
        Buffer.from('<testsuite><testcase name="a'),
        Buffer.from([0xff, 0xc3]),
        Buffer.from('"/></testsuite>'),
      ]),
    );
    const got: Case[] = [];
    expect(await readPlainCases(invalid, (n, c, t) => got.push([n, c, t]))).toBe(true);
    const want = await saxesFile(invalid);
    expect(want.error).toBe(false);
    expect(got).toEqual(want.cases);
    expect(got[0][0]).toContain('\uFFFD');
  });
});
