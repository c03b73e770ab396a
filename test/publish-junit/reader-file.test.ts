import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileText } from '../../shared/junit/file-text.js';
import { readJUnitFile } from '../../shared/junit/reader.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-reader-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function textOf(file: string, size?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const t of fileText(file, size)) out.push(t);
  return out;
}

describe('fileText', () => {
  // Characters of one to four bytes, a byte order mark, and bytes that are no UTF-8 at all.
  const bytes = Buffer.concat([
    Buffer.from('\uFEFF<testsuite name="é ✓ 🧪">', 'utf8'),
    Buffer.from([0xe2, 0x9c]),
    Buffer.from('x😀y', 'utf8'),
    Buffer.from([0xf0, 0x9f, 0x98]),
    Buffer.from('</testsuite>\n', 'utf8'),
  ]);

  it('gives the text a whole read decodes, however the reads cut the characters', async () => {
    const file = path.join(dir, 'mixed.xml');
    writeFileSync(file, bytes);
    for (const size of [1, 2, 3, 5, 7, 16, 64 * 1024]) {
      const chunks = await textOf(file, size);
      expect(chunks.join('')).toBe(bytes.toString('utf8'));
      expect(chunks.every((c) => c.length > 0)).toBe(true);
    }
  });

  it('keeps the byte order mark, as a utf8 read stream does', async () => {
    const file = path.join(dir, 'bom.xml');
    writeFileSync(file, '\uFEFF<a/>');
    expect((await textOf(file)).join('')).toBe('\uFEFF<a/>');
  });

  it('gives nothing for an empty file', async () => {
    const file = path.join(dir, 'empty.xml');
    writeFileSync(file, '');
    expect(await textOf(file)).toEqual([]);
  });

  it('closes the file when the reading stops early', async () => {
    const file = path.join(dir, 'long.xml');
    writeFileSync(file, 'x'.repeat(64 * 1024));
    // The descriptors this process holds on the file (Linux names them under /proc).
    const open = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      }).length;
    const chunks = fileText(file, 1024);
    await chunks.next();
    expect(open()).toBe(1);
    await chunks.return(undefined);
    for (let i = 0; i < 20; i++) {
      const more = fileText(file, 1024);
      await more.next();
      await more.return(undefined);
    }
    // The read that was still running closes its descriptor when it is done.
    await new Promise((r) => setTimeout(r, 50));
    expect(open()).toBe(0);
  });
});

describe('readJUnitFile', () => {
  const read = (file: string) => readJUnitFile(file, { onCase: () => {} }, path.basename(file));

  it('says a missing report does not exist', async () => {
    await expect(read(path.join(dir, 'missing.xml'))).rejects.toThrow(
      'missing.xml: does not exist',
    );
  });

  it('says a folder is no JUnit file', async () => {
    const sub = path.join(dir, 'folder.xml');
    mkdirSync(sub);
    await expect(read(sub)).rejects.toThrow('folder.xml: is a directory, not a JUnit file');
  });

  it('says a loop of symbolic links is no JUnit file', async () => {
    const a = path.join(dir, 'loop-a.xml');
    const b = path.join(dir, 'loop-b.xml');
    symlinkSync(b, a);
    symlinkSync(a, b);
    await expect(read(a)).rejects.toThrow(
      'loop-a.xml: is a loop of symbolic links, not a JUnit file',
    );
  });

  it('reads a report cut into many reads as one', async () => {
    const file = path.join(dir, 'cases.xml');
    const cases = Array.from({ length: 3000 }, (_, i) => `<testcase name="é ${i}"/>`).join('\n');
    writeFileSync(file, `<testsuite name="s">\n${cases}\n</testsuite>\n`);
    const names: string[] = [];
    await readJUnitFile(file, { onCase: (c) => names.push(c.name) });
    expect(names).toHaveLength(3000);
    expect(names[2999]).toBe('é 2999');
  });
});
