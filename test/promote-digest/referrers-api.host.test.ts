import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promote } from '../../actions/promote-digest/promote.js';
import { type Desc, sha, writeImage } from './support/images.js';
import { type OciServer, startOciServer } from './support/oci-server.js';
import { deps, options } from './support/options.js';
import { type RegistryHandle, inspectRaw, startRegistry } from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo');

// docker-registry 2.8 has no referrers API; a registry that has one is played by an in-test
// server following the OCI distribution spec v1.1 (referrers endpoint, OCI-Subject header).
let api: OciServer;
let reg: RegistryHandle;
let work: string;
let image: Desc;
let sbom: Desc;
let sig: Desc;

beforeAll(async () => {
  // One after the other, so that afterAll stops whichever did start.
  api = await startOciServer();
  reg = await startRegistry();
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-refapi-'));
  const layout = path.join(work, 'img');
  image = writeImage(layout, { layers: [3000], tag: 'v1' });
  sbom = writeImage(layout, {
    layers: [200],
    subject: image,
    artifactType: 'application/spdx+json',
    tag: 'sbom',
  });
  sig = writeImage(layout, {
    layers: [100],
    subject: image,
    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    tag: 'sig',
  });
  api.load(layout, 'app');
});

afterAll(async () => {
  await Promise.all([api?.stop(), reg?.stop()]);
});

describe('referrers through the OCI referrers API', () => {
  it('copies referrers listed by the API and writes the tag-schema index where the target has no API', async () => {
    const r = await promote(
      options(work, {
        source: `${api.host}/app:v1`,
        referrers: true,
        targets: [`${reg.host}/promoted:test-kvm`],
      }),
      deps(),
    );
    expect(r.referrers).toBe(2);
    expect(sha(await inspectRaw(`${reg.host}/promoted:test-kvm`))).toBe(image.digest);
    expect(sha(await inspectRaw(`${reg.host}/promoted@${sbom.digest}`))).toBe(sbom.digest);
    const index = JSON.parse(
      await inspectRaw(`${reg.host}/promoted:${image.digest.replace(':', '-')}`),
    );
    expect(index.manifests.map((d: Desc) => [d.digest, d.artifactType]).sort()).toEqual(
      [
        [sbom.digest, 'application/spdx+json'],
        [sig.digest, 'application/vnd.dev.cosign.artifact.sig.v1+json'],
      ].sort(),
    );
  });

  it('into a registry with the API, referrers are found there by their subject', async () => {
    // Source without the API: the referrers only exist as manifests with a subject, listed by
    // nothing, so they travel when found under the tag schema. Make that index first.
    await promote(
      options(work, {
        source: `${api.host}/app:v1`,
        referrers: true,
        targets: [`${reg.host}/staged:v1`],
      }),
      deps(),
    );
    const r = await promote(
      options(work, {
        source: `${reg.host}/staged:v1`,
        referrers: true,
        targets: [`${api.host}/team/app:test-kvm`],
      }),
      deps(),
    );
    expect(r.referrers).toBe(1); // the tag-schema index, which names both
    const res = await fetch(`http://${api.host}/v2/team/app/referrers/${image.digest}`);
    const listed = (await res.json()) as { manifests: Desc[] };
    expect(listed.manifests.map((d) => d.digest).sort()).toEqual([sbom.digest, sig.digest].sort());
  });
});
