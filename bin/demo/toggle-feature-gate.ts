import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { absent } from './tools.js';
import type { DemoPlan } from './types.js';

/**
 * toggle-feature-gate's part in the pipeline demo ("KubeVirt CR patch / deployment
 * overlay"): each environment gets a kustomize overlay over one example base KubeVirt CR,
 * and the action writes the profile's gates into it, proven by a real `kubectl kustomize`.
 * No cluster is needed; the profile's own target (kubevirt, live) is overridden with
 * `target: overlay`. Without kubectl the step is skipped, not failed: the tests that read the
 * rendering skip too, for the same reason.
 */
export const toggleFeatureGateDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment' || !ctx.environment) return undefined;
  const env = ctx.environment.name;
  const overlay = `deploy/${env}`;
  const emulation = ctx.environment.hypervisor === 'emulation';
  return {
    action: 'toggle-feature-gate',
    title: 'toggle-feature-gate',
    // An emulation environment also gets KubeVirt's useEmulation, in the same patch.
    inputs: { environment: env, target: 'overlay', path: overlay },
    skip() {
      const why = absent('kubectl');
      return why && `the overlay is proven by kubectl kustomize, and ${why}`;
    },
    async prepare() {
      const example = path.join(ctx.repoRoot, 'test', 'fixtures', 'toggle-feature-gate', 'overlay');
      const base = path.join(ctx.workspace, 'deploy', 'base');
      if (!existsSync(base)) cpSync(path.join(example, 'base'), base, { recursive: true });
      const dir = path.join(ctx.workspace, overlay);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        `# The ${env} environment: the shared KubeVirt CR plus this environment's settings.\n` +
          `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n`,
      );
    },
    describe(result) {
      const o = result.outputs;
      if (!o.enabled) return 'no outputs';
      const list = (s: string) => (JSON.parse(s) as string[]).join(', ') || '-';
      const emu = emulation ? '; useEmulation true' : '';
      return `${overlay}: enabled ${list(o.enabled)}; disabled ${list(o.disabled)}${emu} (${o.changed === 'true' ? 'patch written, rendered by kubectl kustomize' : 'already so'})`;
    },
  };
};
