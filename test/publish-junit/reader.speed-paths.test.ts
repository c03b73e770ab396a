import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { scanTestcase } from '../../shared/junit/fast-case.js';
import { detach, num, readJUnit, type ReadStats } from '../../shared/junit/reader.js';
import { fixtures } from '../support/harness.js';

/**
 * The reader's fast path (plain <testcase> elements read without the XML parser) must be
 * invisible: every report, valid or not, read in any chunking, gives the handlers the same
 * calls with the same values, and fails with the same message, as the parser alone.
 */
interface Reading {
  calls: unknown[];
  error?: string;
  stats?: ReadStats;
}

/** `xml` in pieces of `size` (all of it for 0), never splitting a surrogate pair. */
function pieces(xml: string, size: number): string[] {
  if (size <= 0) return [xml];
  const out: string[] = [];
  for (let i = 0; i < xml.length;) {
    let end = Math.min(xml.length, i + size);
    const last = xml.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff && end < xml.length) end++;
    out.push(xml.slice(i, end));
    i = end;
  }
  return out;
}

async function read(xml: string, fast: boolean, chunk = 0): Promise<Reading> {
  const calls: unknown[] = [];
  const chunks = pieces(xml, chunk);
  try {
    const stats = await readJUnit(
      chunks,
      'r.xml',
      {
        onCase: (c) => calls.push(['case', c]),
        onDeclaredSuite: (s) => calls.push(['declared', s]),
        onSuiteEnd: (s) => calls.push(['suite', s]),
        onRootEnd: (r) => calls.push(['root', r]),
      },
      { fast },
    );
    return { calls, stats };
  } catch (err) {
    return { calls, error: (err as Error).message };
  }
}

/** Reads `xml` both ways in several chunkings; the fast reading of the whole text is returned. */
async function same(xml: string): Promise<ReadStats | undefined> {
  let whole: ReadStats | undefined;
  // Streams cut where they like; one character at a time costs too much on big reports.
  const sizes = xml.length > 20_000 ? [0, 61, 4096, 65_536] : [0, 1, 7, 61, 4096];
  for (const chunk of sizes) {
    const slow = await read(xml, false, chunk);
    const fast = await read(xml, true, chunk);
    // A broken report's cases before the error are counted too: they must be the same.
    expect(fast.error).toEqual(slow.error);
    expect(fast.calls).toStrictEqual(slow.calls);
    if (chunk === 0) whole = fast.stats;
  }
  return whole;
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.xml'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('reader fast path: the same as the XML parser', () => {
  it('on every fixture report, in any chunking, and it reads most of their cases', async () => {
    let plain = 0;
    let cases = 0;
    const files = xmlFiles(fixtures);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const stats = await same(readFileSync(file, 'utf8'));
      plain += stats?.plainCases ?? 0;
      cases += stats?.cases ?? 0;
    }
    expect(plain).toBeGreaterThan(cases / 2);
  });

  it.each([
    [
      'entities in names and text',
      '<testcase name="a &amp; b &#x3C;c&#62; &quot;d&apos;"><system-out>x &lt; y &#x1F600;</system-out></testcase>',
    ],
    [
      'tabs and newlines in attribute values',
      '<testcase name="a\tb\nc" classname=\'x&#10;y&#9;z\'/>',
    ],
    [
      'white space around = and before >',
      '<testcase name = "a"\n  classname\t=\t"b"\n/>\n<testcase name="c" ></testcase >',
    ],
    [
      'results, output and properties',
      '<testcase name="t" time="1.5"><properties><property name="file" value="a.go"/></properties><skipped message="m"/><system-out>o</system-out><system-err>\n e \n</system-err></testcase>',
    ],
    [
      'Surefire flaky runs with their own output',
      '<testcase name="t"><flakyFailure message="x" type="T"><stackTrace>at a</stackTrace><system-out>so</system-out></flakyFailure></testcase>',
    ],
    [
      'a failure with a trace and a file attribute',
      '<testcase name="t" file="a/b_test.go"><failure message="boom" file="c.go" line="3">  at x (a/b.js:1:2)\n  more  </failure></testcase>',
    ],
    [
      'a status that says it never ran',
      '<testcase name="t" status="notrun"/><testcase name="u" result="Skipped"/>',
    ],
    [
      'characters outside the BMP and a long line',
      `<testcase name="\u{1F600}${'x'.repeat(5000)}"/>`,
    ],
    [
      'an unknown element and attribute names',
      '<testcase name="t" my-attr.x="1" ns:a="2"><custom a="b">text</custom></testcase>',
    ],
    [
      'attributes named like Object members',
      '<testcase name="t" constructor="c" __proto__="p" toString="s" hasOwnProperty="h"><valueOf/><toString/></testcase>',
    ],
    [
      'a CR LF report',
      '<testcase name="a"/>\r\n<testcase name="b">\r\n<failure message="x">l1\r\nl2</failure>\r\n</testcase>\r\n',
    ],
    [
      'a lone CR before a case',
      '<testcase name="a"/>\r<testcase name="b"/>\r\r<testcase name="c"/>',
    ],
    [
      'comments, CDATA and processing instructions',
      '<!-- <testcase name="no"/> --><testcase name="a"><!-- c --></testcase><testcase name="b"><failure><![CDATA[<x>]]></failure></testcase><?pi x?><testcase name="c"/>',
    ],
    [
      'a case inside a case',
      '<testcase name="outer"><testcase name="inner"/></testcase><testcase name="after"/>',
    ],
    ['names that only start like a test case', '<testcases/><testcase-x/><testcase name="a"/>'],
    [
      'text with ] and >',
      '<testcase name="a"><system-out>]] > ]&gt; ]]&gt; a]b>c</system-out></testcase>',
    ],
  ])('%s', async (_what, body) => {
    for (const wrap of [
      (b: string) => `<testsuites>\n<testsuite name="s">\n${b}\n</testsuite>\n</testsuites>\n`,
      (b: string) =>
        `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="s" tests="9">${b}</testsuite>`,
      (b: string) =>
        `<testsuites><testsuite name="o"><testsuite name="i">${b}</testsuite>${b}</testsuite>${b}</testsuites>`,
    ])
      await same(wrap(body));
  });

  it.each([
    ['an unclosed case', '<testcase name="a"><system-out>x</testcase>'],
    ['a close tag that does not match', '<testcase name="a"></testcas>'],
    ['a duplicate attribute', '<testcase name="a" name="b"/>'],
    ['an attribute without white space before it', '<testcase name="a"classname="b"/>'],
    ['an unquoted attribute', '<testcase name=a/>'],
    ['< in an attribute value', '<testcase name="a<b"/>'],
    ['an undefined entity', '<testcase name="&nbsp;"/>'],
    [
      'a character reference XML forbids',
      '<testcase name="&#xD800;"/><testcase name="&#1114112;"/>',
    ],
    ['an uppercase X in a reference', '<testcase name="&#X41;"/>'],
    ['an empty reference', '<testcase name="a&;"/>'],
    [']]> in text', '<testcase name="a"><system-out>a ]]> b</system-out></testcase>'],
    ['a case after the root', '</testsuite><testcase name="late"/><testsuite>'],
    ['text before a case', 'stray text <testcase name="a"/>'],
    ['a slash not closing the tag', '<testcase name="a" / >'],
    ['a case in the internal subset', '<testcase name="a"/><!DOCTYPE x><testcase name="b"/>'],
    [
      'an error after characters outside the BMP on its line',
      '<testcase name="\u{1F600}\u{1F600}"><system-out>\u{10400}</system-out></testcase> <x a="1"b="2"/>',
    ],
  ])('and fails the same on %s', async (_what, body) => {
    const xml = `<testsuites>\n<testsuite name="s">\n<testcase name="first"/>\n  ${body}\n<testcase name="last"/>\n</testsuite>\n</testsuites>\n`;
    await same(xml);
    await same(xml.replace(/\n/g, '\n\n   '));
  });

  // The fast path reads a start tag written like the one before it by its shape; every way a
  // tag can differ from that shape must read as the parser reads it.
  it.each([
    ['the same shape', '<testcase name="x" classname="C" time="2"><system-out>o</system-out>'],
    ['a reference in a value', '<testcase name="x &amp; y" classname="C" time="2">'],
    ['a line end in a value', '<testcase name="x\ny" classname="C" time="2">'],
    ['a tab in a value', '<testcase name="x\ty" classname="C" time="2">'],
    ['the other quote', `<testcase name='x' classname="C" time="2">`],
    ['a quote of the other kind inside', `<testcase name="it's" classname="C" time="2">`],
    ['one more attribute', '<testcase name="x" classname="C" time="2" file="a.go">'],
    ['one attribute less', '<testcase name="x" classname="C">'],
    ['attributes in another order', '<testcase classname="C" name="x" time="2">'],
    ['white space before the end', '<testcase name="x" classname="C" time="2" >'],
    ['a line end between attributes', '<testcase name="x"\n  classname="C" time="2">'],
    ['a longer name', '<testcasex name="x" classname="C" time="2">'],
    [
      'a child of a longer name',
      '<testcase name="x" classname="C" time="2"><system-outx>o</system-outx>',
    ],
    [
      'a child with attributes',
      '<testcase name="x" classname="C" time="2"><system-out a="1">o</system-out>',
    ],
    ['a value holding <', '<testcase name="x<y" classname="C" time="2">'],
    ['a value left open', '<testcase name="x classname="C" time="2">'],
    ['an attribute given twice', '<testcase name="x" classname="C" time="2" name="y">'],
    ['no white space before an attribute', '<testcase name="x"classname="C" time="2">'],
    ['a bad reference', '<testcase name="x &bogus; y" classname="C" time="2">'],
    ['a character reference', '<testcase name="x&#10;y" classname="C" time="2">'],
  ])('on a case after others of one shape, with %s', async (_what, open) => {
    const usual =
      '<testcase name="a" classname="C" time="1"><system-out>out</system-out></testcase>';
    const name = /^<(\S+)/.exec(open)?.[1] ?? 'testcase';
    const odd = `${open}${open.includes('<system-outx>') || open.includes('<system-out') ? '' : '<skipped/>'}</${name}>`;
    const xml = `<testsuite name="s">\n${[usual, usual, usual, odd, usual, usual].join('\n')}\n</testsuite>\n`;
    await same(xml);
  });

  it('on a case after the root, which the parser refuses', async () => {
    for (const root of ['<testsuite name="s"><testcase name="a"/></testsuite>', '<testsuites/>'])
      for (const gap of ['', '\n', '\n  '])
        expect((await read(`${root}${gap}<testcase name="late"/>\n`, true)).error).toMatch(
          /not valid XML/,
        );
    await same('<testsuite name="s"><testcase name="a"/></testsuite>\n<testcase name="late"/>\n');
  });

  it('on a case left to the parser inside its properties, and properties after it', async () => {
    const refused =
      '<testcase name="a"><properties><property name="p" value="1"/><!-- c --></properties></testcase>';
    // A <property> outside <properties> is no property; after the refused case too.
    const stray = '<testcase name="b"><property name="file" value="z.go"/></testcase>';
    const xml = `<testsuite name="s">\n${refused}\n${stray}\n${stray}\n</testsuite>\n`;
    const stats = await same(xml);
    expect(stats?.plainCases).toBe(2);
    const cases = (await read(xml, true)).calls.filter((c) => (c as unknown[])[0] === 'case');
    expect(cases.map((c) => ((c as unknown[])[1] as { properties: object }).properties)).toEqual([
      { p: '1' },
      {},
      {},
    ]);
  });

  it('on an XML 1.1 report, which it leaves to the parser', async () => {
    const xml =
      '<?xml version="1.1"?><testsuite><testcase name="a\u0085b"/>\u2028<testcase name="c"/></testsuite>';
    expect((await same(xml))?.plainCases).toBe(0);
  });

  it('on generated reports, valid and broken', async () => {
    let state = 0x2545f491;
    const rand = (n: number) => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return state % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];
    // What valid reports hold, plain or not; a broken report gets one of BREAKS somewhere.
    const texts = [
      '',
      'ok',
      ' x ',
      'a &amp; b',
      '&#x1F600;',
      'l1\nl2',
      '\t',
      ']]',
      ']>',
      '&lt;b&gt;',
      'é\u{10400}',
      '\r\n',
      '<![CDATA[c]]>',
      '<!--c-->',
      '<?pi x?>',
      '&#13;',
      '\u0007',
    ];
    const values = [
      '',
      'v',
      'a b',
      'a&amp;b',
      'x\ty',
      'l\nm',
      '&#10;',
      "'",
      '\u{1F600}',
      '&#0;',
      '&#x41;',
      '  ',
      'a>b',
      '\r\n',
      '&#xD;',
    ];
    const names = [
      'name',
      'classname',
      'time',
      'file',
      'status',
      'message',
      'type',
      'line',
      'x:y',
      'a-b.c',
      'é',
      'result',
    ];
    const BREAKS = [
      '<',
      '&bogus;',
      'a]]>b',
      '<x',
      '</y>',
      '&#X41;',
      '&;',
      '<testcase a="1"b="2"/>',
      '<testcase a=1/>',
      '<testcase a="1" a="2"/>',
      '"',
      '&#xFFFE;',
      '</testcase>',
      '<!-- a -- b -->',
    ];
    const attrs = (n: number) => {
      const used = [...names].sort(() => rand(3) - 1).slice(0, n);
      return used
        .map((name) => {
          const v = pick(values);
          const q = v.includes("'") ? '"' : pick(['"', "'"]);
          return `${pick([' ', '\n', '\t', '  ', '\r\n'])}${name}${pick(['=', ' = ', '\n='])}${q}${v}${q}`;
        })
        .join('');
    };
    const elements = [
      'failure',
      'error',
      'skipped',
      'system-out',
      'system-err',
      'properties',
      'flakyFailure',
      'rerunError',
      'stackTrace',
      'x',
    ];
    const child = (depth: number): string => {
      const name = pick(elements);
      if (name === 'properties')
        return `<properties><property name="${pick(names)}" value="${pick(values)}"/></properties>`;
      if (rand(3) === 0) return `<${name}${attrs(rand(3))}${pick(['/>', ' />'])}`;
      const inner = depth < 2 && rand(4) === 0 ? child(depth + 1) : '';
      return `<${name}${attrs(rand(3))}>${pick(texts)}${inner}${pick(texts)}</${name}${pick(['', ' ', '\n'])}>`;
    };
    const testcase = () => {
      const kids = Array.from({ length: rand(4) }, () => child(0)).join(pick(['', '\n', ' ']));
      return rand(4) === 0
        ? `<testcase${attrs(rand(4))}/>`
        : `<testcase${attrs(rand(4))}>${kids}</testcase>`;
    };
    let plain = 0;
    let broken = 0;
    for (let doc = 0; doc < 400; doc++) {
      const parts: string[] = [];
      for (let n = rand(3) + 1; n > 0; n--) {
        const cs = Array.from({ length: rand(6) }, testcase);
        parts.push(
          `<testsuite name="s${n}"${pick(['', ' tests="9"', "\n  time='1'"])}>${cs.join(pick(['\n', '', '  ', '\r\n', '\n<!-- c -->\n']))}</testsuite>`,
        );
      }
      let xml = `${pick(['', '<?xml version="1.0"?>\n'])}<testsuites>\n${parts.join('\n')}\n</testsuites>\n`;
      if (rand(3) === 0) {
        const at = rand(xml.length);
        xml = xml.slice(0, at) + pick(BREAKS) + xml.slice(at);
      }
      const stats = await same(xml);
      if (stats) plain += stats.plainCases;
      else broken++;
    }
    // The reports are both: many read in part by the fast path, many broken.
    expect(plain).toBeGreaterThan(300);
    expect(broken).toBeGreaterThan(60);
  });
});

describe('scanTestcase', () => {
  it('reads a plain case as the events the parser would send', () => {
    const el = scanTestcase(
      '<testcase name="a &amp; b"\n time="1">\n<system-out>ok</system-out></testcase> tail',
      0,
    );
    expect(el?.last).toEqual({ end: 76, lines: 2, lastLineLength: 38 });
    expect(el?.events[0][3]).toBe(1);
    const attributes = el?.events[0][2] as Record<string, string>;
    expect(Object.getPrototypeOf(attributes)).toBeNull();
    expect({ ...attributes }).toEqual({ name: 'a & b', time: '1' });
    const events = scanTestcase(
      '<testcase name="a"><skipped/>\n<system-out>o&lt;k</system-out></testcase>',
      0,
    )?.events.map(([kind, name]) => `${kind} ${name as string}`);
    expect(events).toEqual([
      'open testcase',
      'open skipped',
      'close skipped',
      'text \n',
      'open system-out',
      'text o<k',
      'close system-out',
      'close testcase',
    ]);
  });

  it.each([
    ['not a test case', '<testcases/>'],
    ['cut short', '<testcase name="a"><system-out>o'],
    ['a comment inside', '<testcase><!-- x --></testcase>'],
    ['CDATA inside', '<testcase><failure><![CDATA[x]]></failure></testcase>'],
    ['a carriage return', '<testcase name="a"\r\n/>'],
    ['a non-ASCII name', '<testcase é="a"/>'],
    ['a suite inside', '<testcase><testsuite/></testcase>'],
    ['an entity XML does not predefine', '<testcase name="&nbsp;"/>'],
    ['a reference to a character XML forbids', '<testcase name="&#xFFFE;"/>'],
  ])('leaves to the parser %s', (_what, xml) => {
    expect(scanTestcase(xml, 0)).toBeUndefined();
  });
});

describe('num: plain decimals read without the number parser', () => {
  it('gives exactly what Number() gives', () => {
    let state = 7;
    const rand = (n: number) => {
      state = (Math.imul(state, 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return state % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => rand(10)).join('');
    const samples = ['0', '00', '007', '0.1', '0.3', '4.2', '9.7', '1.005', '123456789012345'];
    for (let i = 0; i < 20_000; i++) {
      const whole = digits(1 + rand(9));
      samples.push(rand(3) ? `${whole}.${digits(1 + rand(15 - whole.length))}` : whole);
    }
    samples.push('1234567890123456', '0.1234567890123456', '1.', '.5', '-1.5', '1e3', ' 1', '1,5');
    for (const s of samples) expect([s, num(s)]).toEqual([s, Number(s) || num(s)]);
    expect(num('1,234.5')).toBe(1234.5);
  });
});

describe('detach', () => {
  it('gives the same text, as a string of its own', () => {
    const chunk = `${'<testcase name="'.repeat(100)}\u{1F600} é ${'x'.repeat(300)}`;
    for (const text of ['', 'short', chunk.slice(10, 40), chunk.slice(1600, 1650), chunk]) {
      expect(detach(text)).toBe(text);
      expect(detach(text).length).toBe(text.length);
    }
    expect(detach(undefined)).toBeUndefined();
  });
});
