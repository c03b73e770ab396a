import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promote } from '../../actions/promote-digest/promote.js';
import { randomBytes } from 'node:crypto';
import {
  type Desc,
  sha,
  tagLayout,
  umociImage,
  writeBlob,
  writeImage,
  writeIndex,
} from './support/images.js';
import { deps, options } from './support/options.js';
import {
  type RegistryHandle,
  inspectRaw,
  run,
  skopeoPush,
  startRegistry,
} from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo', 'umoci');

// Against the real docker-registry (distribution 2.8) on loopback; every result is read back
// with skopeo, a client this project did not write.
let reg: RegistryHandle;
let reg2: RegistryHandle;
let work: string;
let appDigest: string;
let multi: Desc;
let amd64: Desc;
let arm64: Desc;

beforeAll(async () => {
  [reg, reg2] = await Promise.all([startRegistry(), startRegistry()]);
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-work-'));
  const umoci = path.join(work, 'umoci');
  await umociImage(umoci, work, 'v1');
  await skopeoPush(umoci, 'v1', `${reg.host}/app:dev`);
  appDigest = sha(await inspectRaw(`${reg.host}/app:dev`));

  const layout = path.join(work, 'multi');
  const shared = writeBlob(
    layout,
    randomBytes(100_000),
    'application/vnd.oci.image.layer.v1.tar+gzip',
  );
  amd64 = writeImage(layout, { arch: 'amd64', shared: [shared], layers: [300_000, 2048] });
  arm64 = writeImage(layout, { arch: 'arm64', shared: [shared], layers: [200_000] });
  multi = writeIndex(layout, [amd64, arm64], 'v1');
  await skopeoPush(layout, 'v1', `${reg.host}/multi:dev`);
});

afterAll(async () => {
  await Promise.all([reg?.stop(), reg2?.stop()]);
});

describe('promotion against docker-registry', () => {
  it('retags within a repository without moving a blob', async () => {
    const r = await promote(
      options(work, { source: `${reg.host}/app:dev`, targets: [':test-kvm', ':test-emulation'] }),
      deps(),
    );
    expect(r.digest).toBe(appDigest);
    expect(r.targets.map((t) => t.status)).toEqual(['created', 'created']);
    expect(r.stats.bytesCopied).toBe(0);
    expect(r.stats.blobsCopied).toBe(0);
    const source = await inspectRaw(`${reg.host}/app:dev`);
    expect(await inspectRaw(`${reg.host}/app:test-kvm`)).toBe(source);
    expect(await inspectRaw(`${reg.host}/app:test-emulation`)).toBe(source);
  });

  it('mounts blobs across repositories of one registry instead of copying them', async () => {
    const r = await promote(
      options(work, {
        source: `${reg.host}/app@${appDigest}`,
        targets: [`${reg.host}/stage/app:test-kvm`],
      }),
      deps(),
    );
    const m = JSON.parse(await inspectRaw(`${reg.host}/app:dev`));
    expect(r.stats.blobsMounted).toBe(1 + m.layers.length);
    expect(r.stats.bytesCopied).toBe(0);
    expect(sha(await inspectRaw(`${reg.host}/stage/app:test-kvm`))).toBe(appDigest);
    expect(r.targets[0].ref).toBe(`${reg.host}/stage/app@${appDigest}`);
  });

  it('copies a multi-arch index whole to a second registry, children first, and a rerun changes nothing', async () => {
    const r = await promote(
      options(work, {
        source: `${reg.host}/multi:dev`,
        targets: [`${reg2.host}/multi:test-kvm`, `${reg2.host}/multi:test-mshv`],
      }),
      deps(),
    );
    expect(r.digest).toBe(multi.digest);
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    // 2 configs, the layer both platforms share (once), and 3 of their own
    expect(r.stats.blobsCopied).toBe(6);
    expect(r.stats.bytesCopied).toBeGreaterThan(600_000);
    const raw = await inspectRaw(`${reg2.host}/multi:test-kvm`);
    expect(raw).toBe(await inspectRaw(`${reg.host}/multi:dev`));
    expect(sha(await inspectRaw(`${reg2.host}/multi@${amd64.digest}`))).toBe(amd64.digest);
    expect(sha(await inspectRaw(`${reg2.host}/multi@${arm64.digest}`))).toBe(arm64.digest);
    expect(sha(await inspectRaw(`${reg2.host}/multi:test-mshv`))).toBe(multi.digest);

    const again = await promote(
      options(work, {
        source: `${reg.host}/multi:dev`,
        targets: [`${reg2.host}/multi:test-kvm`, `${reg2.host}/multi:test-mshv`],
      }),
      deps(),
    );
    expect(again.changed).toBe(false);
    expect(again.targets.map((t) => t.status)).toEqual(['unchanged', 'unchanged']);
    expect(again.stats.bytesCopied + again.stats.manifestsWritten).toBe(0);
  });

  it('streams each blob once into a registry and mounts it for a second repository there', async () => {
    const r = await promote(
      options(work, {
        source: `${reg.host}/multi:dev`,
        targets: [`${reg2.host}/once/multi:t`, `${reg2.host}/twice/multi:t`],
      }),
      deps(),
    );
    // 2 configs, the shared layer and 3 of their own: streamed once, mounted once
    expect(r.stats.blobsCopied).toBe(6);
    expect(r.stats.blobsMounted).toBe(6);
    expect(sha(await inspectRaw(`${reg2.host}/once/multi:t`))).toBe(multi.digest);
    expect(sha(await inspectRaw(`${reg2.host}/twice/multi:t`))).toBe(multi.digest);
  });

  it('refuses a source that resolves to another digest before anything moves', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(
      promote(
        options(work, {
          source: `${reg.host}/app:dev`,
          digest: wrong,
          targets: [`${reg2.host}/app:test-kvm`],
        }),
        deps(),
      ),
    ).rejects.toThrow(`resolves to ${appDigest}, not the expected ${wrong}; nothing was promoted`);
    await expect(inspectRaw(`${reg2.host}/app:test-kvm`)).rejects.toThrow(/manifest unknown/i);
  });

  it('with overwrite false refuses a tag that points elsewhere and moves no other tag', async () => {
    await promote(
      options(work, { source: `${reg.host}/multi:dev`, targets: [`${reg.host}/app:busy`] }),
      deps(),
    );
    await expect(
      promote(
        options(work, {
          source: `${reg.host}/app:dev`,
          overwrite: false,
          targets: [':fresh', ':busy'],
        }),
        deps(),
      ),
    ).rejects.toThrow(
      `overwrite is false and ${reg.host}/app:busy points at ${multi.digest}; nothing was promoted`,
    );
    expect(sha(await inspectRaw(`${reg.host}/app:busy`))).toBe(multi.digest);
    await expect(inspectRaw(`${reg.host}/app:fresh`)).rejects.toThrow(/manifest unknown/i);

    const moved = await promote(
      options(work, { source: `${reg.host}/app:dev`, targets: [':busy'] }),
      deps(),
    );
    expect(moved.targets[0]).toMatchObject({ status: 'moved', previous: multi.digest });
    expect(sha(await inspectRaw(`${reg.host}/app:busy`))).toBe(appDigest);
  });

  it('verify-only reports each target and writes nothing', async () => {
    await promote(options(work, { source: `${reg.host}/app:dev`, targets: [':verified'] }), deps());
    const r = await promote(
      options(work, {
        source: `${reg.host}/app:dev`,
        verifyOnly: true,
        targets: [':verified', ':absent', `${reg.host}/multi:dev`],
      }),
      deps(),
    );
    expect(r.targets.map((t) => t.status)).toEqual(['verified', 'missing', 'differs']);
    expect(r.stats.manifestsWritten).toBe(0);
    await expect(inspectRaw(`${reg.host}/app:absent`)).rejects.toThrow(/manifest unknown/i);
  });

  it('copies signatures and attestations found as tags (tag schema and cosign tags)', async () => {
    const layout = path.join(work, 'signed');
    const image = writeImage(layout, { layers: [5000], tag: 'v1' });
    const sig = writeImage(layout, { layers: [300], tag: `${image.digest.replace(':', '-')}.sig` });
    const att = writeImage(layout, {
      layers: [400],
      subject: image,
      artifactType: 'application/vnd.in-toto+json',
    });
    const hex = image.digest.replace(':', '-');
    for (const tag of ['v1', `${hex}.sig`])
      await skopeoPush(layout, tag, `${reg.host}/signed:${tag}`);
    tagLayout(layout, 'att', att);
    await skopeoPush(layout, 'att', `${reg.host}/signed:att`);
    // skopeo will not write an index of artifacts with preserved digests: PUT it as a client would.
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: att.mediaType,
            digest: att.digest,
            size: att.size,
            artifactType: 'application/vnd.in-toto+json',
          },
        ],
      }),
    );
    const put = await fetch(`http://${reg.host}/v2/signed/manifests/${hex}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      body: index,
    });
    expect(put.status).toBe(201);
    const r = await promote(
      options(work, {
        source: `${reg.host}/signed:v1`,
        referrers: true,
        targets: [`${reg2.host}/signed:test-kvm`],
      }),
      deps(),
    );
    expect(r.referrers).toBe(2);
    expect(r.targets[0].referrers).toBe(2);
    expect(sha(await inspectRaw(`${reg2.host}/signed:${hex}.sig`))).toBe(sig.digest);
    expect(await inspectRaw(`${reg2.host}/signed:${hex}`)).toBe(index.toString());
    expect(JSON.parse(index.toString()).manifests.map((m: Desc) => m.digest)).toEqual([att.digest]);
    expect(sha(await inspectRaw(`${reg2.host}/signed@${att.digest}`))).toBe(att.digest);

    // A second run finds the signature and the referrers index in place: nothing to do.
    const again = await promote(
      options(work, {
        source: `${reg.host}/signed:v1`,
        referrers: true,
        targets: [`${reg2.host}/signed:test-kvm`],
      }),
      deps(),
    );
    expect(again.changed).toBe(false);
    expect(again.stats.manifestsWritten).toBe(0);
    expect(again.targets[0]).toMatchObject({ status: 'unchanged', referrers: 2 });
  });

  it('copies the signatures of each platform of an index (cosign sign --recursive)', async () => {
    const layout = path.join(work, 'signed-multi');
    const a = writeImage(layout, { arch: 'amd64', layers: [3000] });
    const b = writeImage(layout, { arch: 'arm64', layers: [3000] });
    const index = writeIndex(layout, [a, b], 'v1');
    const sigs = [index, a, b].map((d) => {
      const tag = `${d.digest.replace(':', '-')}.sig`;
      return { tag, digest: writeImage(layout, { layers: [200], tag }).digest };
    });
    await skopeoPush(layout, 'v1', `${reg.host}/signed-multi:v1`);
    for (const s of sigs) await skopeoPush(layout, s.tag, `${reg.host}/signed-multi:${s.tag}`);
    const r = await promote(
      options(work, {
        source: `${reg.host}/signed-multi:v1`,
        referrers: true,
        targets: [`${reg2.host}/signed-multi:test-kvm`],
      }),
      deps(),
    );
    expect(r.referrers).toBe(3);
    for (const s of sigs) {
      expect(sha(await inspectRaw(`${reg2.host}/signed-multi:${s.tag}`))).toBe(s.digest);
    }
  });

  it('reads from and writes to OCI layouts (oci:<dir>:<tag>)', async () => {
    const out = path.join(work, 'out-layout');
    const pulled = await promote(
      options(work, { source: `${reg.host}/multi@${multi.digest}`, targets: [`oci:${out}:kept`] }),
      deps(),
    );
    expect(pulled.targets[0].status).toBe('created');
    const pushed = await promote(
      options(work, {
        source: `oci:${out}:kept`,
        targets: [`${reg2.host}/from-layout:v1`, ':again'],
      }),
      deps(),
    );
    expect(pushed.digest).toBe(multi.digest);
    expect(sha(await inspectRaw(`${reg2.host}/from-layout:v1`))).toBe(multi.digest);
    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${out}:again`]);
    expect(sha(stdout)).toBe(multi.digest);
  });
});
