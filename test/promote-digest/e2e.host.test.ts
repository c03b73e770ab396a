import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { action } from '../../actions/promote-digest/action.js';
import type { RunOptions } from '../../shared/harness/runner.js';
import { scaledPolicy } from '../../shared/retry.js';
import { errors, run } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { sha, writeImage, writeIndex } from './support/images.js';
import { startProxy } from './support/proxy.js';
import {
  type RegistryHandle,
  freePort,
  inspectRaw,
  run as exec,
  skopeoPush,
  startRegistry,
} from './support/registry.js';
import { requireTools } from '../support/tools.js';

requireTools('docker-registry', 'skopeo');

// The committed bundle (npm run build -- promote-digest) run the way the runner runs it,
// against OCI layouts in the workspace and a real docker-registry with basic auth. Runs that
// wait for retries run in this process instead, with a retry policy that does not wait.
let reg: RegistryHandle;
let digest: string;
let dockerConfig: string;

function workspace(): { dir: string; digest: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pd-e2e-'));
  const layout = path.join(dir, 'image');
  const a = writeImage(layout, { arch: 'amd64', layers: [20_000] });
  const b = writeImage(layout, { arch: 'arm64', layers: [10_000] });
  return { dir, digest: writeIndex(layout, [a, b], 'dev').digest };
}

beforeAll(async () => {
  reg = await startRegistry({ basic: { user: 'bot', password: 'e2e-Secret-9' } });
  const ws = workspace();
  digest = ws.digest;
  await skopeoPush(
    path.join(ws.dir, 'image'),
    'dev',
    `${reg.host}/l1hv/virt-launcher:dev`,
    'bot:e2e-Secret-9',
  );
  // What docker/login-action leaves behind: $DOCKER_CONFIG/config.json with a base64 auth.
  dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'pd-docker-'));
  writeFileSync(
    path.join(dockerConfig, 'config.json'),
    JSON.stringify({
      auths: { [reg.host]: { auth: Buffer.from('bot:e2e-Secret-9').toString('base64') } },
    }),
  );
});

afterAll(async () => {
  await reg?.stop();
});

const emptyConfig = () => ({
  DOCKER_CONFIG: mkdtempSync(path.join(os.tmpdir(), 'pd-nocfg-')),
});

/** The action in this process with retries at once: the same step, without the waits. */
const runNow = (opts: Omit<RunOptions, 'action' | 'inProcess'>) =>
  runInProcess('promote-digest', action, (real) => ({ ...real, retry: scaledPolicy(0) }), opts);

describe('promote-digest bundle', () => {
  it('promotes an OCI layout by digest, writes the record, and a rerun changes nothing', async () => {
    const ws = workspace();
    const inputs = {
      source: 'oci:image:dev',
      digest: ws.digest,
      targets: ':test-kvm, :test-emulation\n:test-mshv',
      record: 'out/promotion.intoto.json',
    };
    const r = await run('promote-digest', { workspace: ws.dir, inputs, env: emptyConfig() });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.digest).toBe(ws.digest);
    expect(r.outputs.ref).toBe(`oci:image@${ws.digest}`);
    expect(JSON.parse(r.outputs.promoted).map((t: { status: string }) => t.status)).toEqual([
      'created',
      'created',
      'created',
    ]);
    expect(r.outputs['bytes-copied']).toBe('0');
    expect(r.outputs.record).toBe('out/promotion.intoto.json');
    for (const tag of ['test-kvm', 'test-emulation', 'test-mshv']) {
      const { stdout } = await exec('skopeo', [
        'inspect',
        '--raw',
        `oci:${path.join(ws.dir, 'image')}:${tag}`,
      ]);
      expect(sha(stdout)).toBe(ws.digest);
    }
    const statement = JSON.parse(
      readFileSync(path.join(ws.dir, 'out/promotion.intoto.json'), 'utf8'),
    );
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'oci:image', digest: { sha256: ws.digest.slice(7) } }],
      predicateType: 'https://github.com/virt-ci/virt-ci/promotion/v1',
      predicate: {
        source: {
          ref: 'oci:image:dev',
          digest: ws.digest,
          platforms: ['linux/amd64', 'linux/arm64'],
        },
        run: {
          repository: 'octo-org/octo-repo',
          runId: '1001',
          url: 'https://github.com/octo-org/octo-repo/actions/runs/1001/attempts/1',
        },
      },
    });
    expect(statement.predicate.targets.map((t: { ref: string }) => t.ref)).toEqual([
      'oci:image:test-kvm',
      'oci:image:test-emulation',
      'oci:image:test-mshv',
    ]);
    expect(r.summary).toContain('| created | oci:image:test-kvm |');
    expect(r.summary).toContain(
      '<details><summary>Promotion record (out/promotion.intoto.json)</summary>',
    );

    const again = await run('promote-digest', { workspace: ws.dir, inputs, env: emptyConfig() });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(`nothing to do: every target already holds ${ws.digest}`);
    expect(JSON.parse(again.outputs.promoted).map((t: { status: string }) => t.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('logs in with the Docker config docker/login-action writes and masks the secret', async () => {
    const ws = workspace();
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: {
        source: `${reg.host}/l1hv/virt-launcher:dev`,
        targets: `${reg.host}/l1hv/virt-launcher-test:test-kvm`,
        digest,
      },
      env: { DOCKER_CONFIG: dockerConfig },
    });
    expect(errors(r)).toEqual([]);
    // two platforms, each a config and one layer
    expect(r.outputs['blobs-mounted']).toBe('4');
    expect(r.outputs.ref).toBe(`${reg.host}/l1hv/virt-launcher-test@${digest}`);
    expect(r.masks).toContain('e2e-Secret-9');
    // Only the mask commands themselves may carry it; the runner hides it everywhere else.
    expect(r.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('e2e-Secret-9');
    expect(r.stdout.match(/^::add-mask::/gm)?.length).toBeLessThan(5);
    expect(
      sha(await inspectRaw(`${reg.host}/l1hv/virt-launcher-test:test-kvm`, 'bot:e2e-Secret-9')),
    ).toBe(digest);
  });

  it('takes source and targets from the profile environment', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws.dir, '.github'));
    writeFileSync(
      path.join(ws.dir, '.github/virt-ci.yaml'),
      'version: 1\nenvironments:\n  test-kvm:\n    hypervisor: kvm\n    promote: {source: "oci:image:dev", targets: [":test-kvm"], overwrite: false}\n',
    );
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { environment: 'test-kvm' },
      env: emptyConfig(),
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs.ref).toBe(`oci:image@${ws.digest}`);
  });

  it('fails one line and moves nothing when the digest differs', async () => {
    const ws = workspace();
    const wrong = `sha256:${'a'.repeat(64)}`;
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', digest: wrong, targets: ':test-kvm' },
      env: emptyConfig(),
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `input "digest": oci:image:dev resolves to ${ws.digest}, not the expected ${wrong}; nothing was promoted`,
    ]);
    const index = JSON.parse(readFileSync(path.join(ws.dir, 'image/index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
  });

  it('verify-only fails naming the target that does not hold the digest', async () => {
    const ws = workspace();
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', targets: ':dev, :test-kvm', 'verify-only': 'true' },
      env: emptyConfig(),
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `verify-only: oci:image:test-kvm is missing; expected ${ws.digest}`,
    ]);
    expect(r.summary).toMatch(
      /\| missing \| oci:image:test-kvm \|[\s\S]*\| verified \| oci:image:dev \|/,
    );
  });

  it('resolves the source alone with verify-only and no targets (the digest a build pushed)', async () => {
    const ws = workspace();
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', 'verify-only': 'true' },
      env: emptyConfig(),
    });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.digest).toBe(ws.digest);
    expect(r.outputs.ref).toContain(`@${ws.digest}`);
    expect(JSON.parse(r.outputs.promoted)).toEqual([]);
    const without = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev' },
      env: emptyConfig(),
    });
    expect(errors(without)).toEqual([
      'input "targets" is required: references, or :tag for the source repository (or verify-only: true to resolve the source alone)',
    ]);
  });

  it('refuses a record path it cannot write before promoting anything', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws.dir, 'out'));
    writeFileSync(path.join(ws.dir, 'notes'), 'a file');
    for (const [record, message] of [
      [
        'out',
        'input "record": "out" is a folder; give the path of a file, e.g. out/promotion.intoto.json',
      ],
      [
        'notes/promotion.json',
        'input "record": "notes/promotion.json" cannot be written: "notes" is a file, not a folder',
      ],
    ]) {
      const r = await run('promote-digest', {
        workspace: ws.dir,
        inputs: { source: 'oci:image:dev', targets: ':test-kvm', record },
        env: emptyConfig(),
      });
      expect(r.exitCode).toBe(1);
      expect(errors(r)).toEqual([message]);
    }
    // No target tag moved, and nothing was left beside the record's path.
    const index = JSON.parse(readFileSync(path.join(ws.dir, 'image/index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
    expect(readdirSync(ws.dir).sort()).toEqual(['image', 'notes', 'out']);
    expect(readdirSync(path.join(ws.dir, 'out'))).toEqual([]);
  });

  it('refuses a record or oci: layout outside the workspace and RUNNER_TEMP in one line, and allows RUNNER_TEMP', async () => {
    const ws = workspace();
    const temp = mkdtempSync(path.join(os.tmpdir(), 'pd-runner-temp-'));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'pd-outside-'));
    // A link inside the workspace that leads out of it is outside too.
    symlinkSync(outside, path.join(ws.dir, 'link-out'));
    const allowed = 'allowed: a path inside the workspace or RUNNER_TEMP';
    for (const [inputs, message] of [
      [
        { record: '../promotion.json' },
        `input "record": "../promotion.json" is outside the workspace or RUNNER_TEMP; ${allowed}`,
      ],
      [
        { record: 'link-out/promotion.json' },
        `input "record": "link-out/promotion.json" is outside the workspace or RUNNER_TEMP; ${allowed}`,
      ],
      [
        { targets: `oci:${outside}/layout:t` },
        `input "targets": "${outside}/layout" is outside the workspace or RUNNER_TEMP; ${allowed}`,
      ],
      [
        { source: `oci:${outside}/image:dev` },
        `input "source": "${outside}/image" is outside the workspace or RUNNER_TEMP; ${allowed}`,
      ],
    ] as const) {
      const r = await run('promote-digest', {
        workspace: ws.dir,
        inputs: { source: 'oci:image:dev', targets: ':test-kvm', ...inputs },
        env: { ...emptyConfig(), RUNNER_TEMP: temp },
      });
      expect(r.exitCode).toBe(1);
      expect(errors(r)).toEqual([message]);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(ws.dir, '..', 'promotion.json'))).toBe(false);
    const ok = await run('promote-digest', {
      workspace: ws.dir,
      inputs: {
        source: 'oci:image:dev',
        targets: `oci:${temp}/layout:t`,
        record: `${temp}/promotion.json`,
      },
      env: { ...emptyConfig(), RUNNER_TEMP: temp },
    });
    expect(errors(ok)).toEqual([]);
    expect(readdirSync(temp).sort()).toEqual(['layout', 'promotion.json']);
  });

  it('rejects bad inputs with one line', async () => {
    const ws = workspace();
    const r = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', targets: 'Registry.io/UPPER:x', concurrency: '0' },
      env: emptyConfig(),
    });
    expect(errors(r)).toEqual(['input "concurrency": 0 is below the minimum 1']);
    const r2 = await run('promote-digest', {
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', targets: 'registry.io/UPPER:x' },
      env: emptyConfig(),
    });
    expect(errors(r2)).toEqual([
      'input "targets": "registry.io/UPPER:x" is not an image reference; allowed: [registry/]repository[:tag][@sha256:...] (lowercase repository) or oci:<dir>:<tag>',
    ]);
  });
});

describe('promote-digest under failure (in process: the retries do not wait)', () => {
  it('names an unreachable registry in one line, after the retries', async () => {
    const ws = workspace();
    const port = await freePort(); // free, so nothing listens there
    const r = await runNow({
      workspace: ws.dir,
      inputs: { source: 'oci:image:dev', targets: `127.0.0.1:${port}/app:test-kvm` },
      env: emptyConfig(),
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `registry 127.0.0.1:${port}: HEAD /v2/app/manifests/test-kvm failed after 3 retries: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('reports which targets moved and which were put back when a tag write fails', async () => {
    const ws = workspace();
    const proxy = await startProxy(reg.host);
    try {
      proxy.faults.push({
        match: (m, p) => m === 'PUT' && p.endsWith('/manifests/test-mshv'),
        times: Infinity,
        action: { status: 500 },
      });
      const r = await runNow({
        workspace: ws.dir,
        inputs: {
          source: 'oci:image:dev',
          targets: `${proxy.host}/l1hv/virt-launcher:test-kvm, ${proxy.host}/l1hv/virt-launcher:test-mshv`,
          credentials: `${proxy.host}=bot:e2e-Secret-9`,
        },
        env: emptyConfig(),
      });
      expect(r.exitCode).toBe(1);
      expect(errors(r)).toEqual([
        `${proxy.host}/l1hv/virt-launcher:test-mshv: moving the tag failed (registry ${proxy.host}: PUT /v2/l1hv/virt-launcher/manifests/test-mshv failed after 3 retries: HTTP 500); new tags ${proxy.host}/l1hv/virt-launcher:test-kvm point at the complete image`,
      ]);
      const rows = r.summary
        .split('\n')
        .filter((l) => l.startsWith('| failed') || l.startsWith('| created'));
      expect(rows.map((l) => l.split(' | ')[0])).toEqual(['| failed', '| created']);
      expect(JSON.parse(r.outputs.promoted).map((t: { status: string }) => t.status)).toEqual([
        'created',
        'failed',
      ]);
      await expect(
        inspectRaw(`${reg.host}/l1hv/virt-launcher:test-mshv`, 'bot:e2e-Secret-9'),
      ).rejects.toThrow(/manifest unknown/i);
    } finally {
      await proxy.stop();
    }
  });
});
