import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promote } from '../../actions/promote-digest/promote.js';
import { writeImage, writeIndex } from './support/images.js';
import { deps, options } from './support/options.js';
import { run } from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('skopeo');

// OCI image layouts on disk, checked with skopeo (oci: transport) where a result exists.
function layoutWithImage() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pd-layout-'));
  const src = path.join(work, 'src');
  const a = writeImage(src, { arch: 'amd64', layers: [70_000] });
  const b = writeImage(src, { arch: 'arm64', layers: [50_000] });
  const index = writeIndex(src, [a, b], 'dev');
  return { work, src, index, a, b };
}

describe('OCI layout stores', () => {
  it('copies a multi-arch index into a new layout that skopeo reads', async () => {
    const { work, index } = layoutWithImage();
    const r = await promote(
      options(work, { source: 'oci:src:dev', targets: ['oci:dst:test-kvm'] }),
      deps(),
    );
    expect(r.stats.blobsCopied).toBe(4);
    expect(r.stats.bytesCopied).toBeGreaterThan(120_000);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      `oci:${path.join(work, 'dst')}:test-kvm`,
    ]);
    expect(stdout).toBe(
      readFileSync(path.join(work, 'src', 'blobs', 'sha256', index.digest.slice(7)), 'utf8'),
    );
    const { stdout: arm } = await run('skopeo', [
      'inspect',
      '--override-arch',
      'arm64',
      `oci:${path.join(work, 'dst')}:test-kvm`,
    ]);
    expect(JSON.parse(arm).Architecture).toBe('arm64');
  });

  it('refuses a blob whose bytes do not match its digest and leaves no tag or partial file', async () => {
    const { work, b } = layoutWithImage();
    const manifest = JSON.parse(
      readFileSync(path.join(work, 'src', 'blobs', 'sha256', b.digest.slice(7)), 'utf8'),
    );
    const layer = path.join(work, 'src', 'blobs', 'sha256', manifest.layers[0].digest.slice(7));
    const bytes = readFileSync(layer);
    bytes[100] ^= 0xff;
    writeFileSync(layer, bytes);
    await expect(
      promote(options(work, { source: 'oci:src:dev', targets: ['oci:dst:test-kvm'] }), deps()),
    ).rejects.toThrow(
      new RegExp(
        `oci:dst: blob ${manifest.layers[0].digest} arrived as sha256:[a-f0-9]{64} \\(50000 bytes, expected 50000\\); not stored; no target tag was moved`,
      ),
    );
    expect(existsSync(path.join(work, 'dst', 'index.json'))).toBe(false);
    const stored = readdirSync(path.join(work, 'dst', 'blobs', 'sha256'));
    expect(stored.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(stored).not.toContain(manifest.layers[0].digest.slice(7));
  });

  it('refuses a manifest whose bytes do not hash to the digest that names it', async () => {
    const { work, a } = layoutWithImage();
    const file = path.join(work, 'src', 'blobs', 'sha256', a.digest.slice(7));
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"schemaVersion":2', '"schemaVersion": 2'),
    );
    await expect(
      promote(options(work, { source: 'oci:src:dev', targets: ['oci:dst:test-kvm'] }), deps()),
    ).rejects.toThrow(
      new RegExp(`^oci:src: manifest bytes hash to sha256:[a-f0-9]{64}, not ${a.digest}; refusing`),
    );
    expect(existsSync(path.join(work, 'dst', 'index.json'))).toBe(false);
  });
});
