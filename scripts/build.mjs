// Build every bundle with ncc: dist/<action>/index.js for each folder of actions/ and
// dist/cli/index.js for the local CLI. No source maps (they would double dist/). Minified, as
// docker/build-push-action ships its bundles: a step compiles less code at every start
// (bench/startup.ts measures it); the licenses stay in licenses.txt beside each bundle.
// Chunks are minified with esbuild after ncc, which minifies only the entry file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv.slice(2);
const entries = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(root, 'actions', d.name, 'main.ts')))
  .map((d) => ({ name: d.name, entry: `actions/${d.name}/main.ts` }));
entries.push({ name: 'cli', entry: 'bin/virt-ci.ts' });
if (existsSync(path.join(root, 'root', 'main.ts')))
  entries.push({ name: 'virt-ci', entry: 'root/main.ts' });

const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
let failed = 0;
for (const { name, entry } of entries) {
  if (only.length && !only.includes(name)) continue;
  const out = path.join('dist', name);
  rmSync(path.join(root, out), { recursive: true, force: true });
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      ncc,
      'build',
      entry,
      '-o',
      out,
      '--license',
      'licenses.txt',
      '--quiet',
      '--minify',
      '--transpile-only',
      '--target',
      'es2022',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) {
    failed++;
    console.error(`build: ${name} failed`);
  } else {
    for (const file of readdirSync(path.join(root, out)).filter((f) => f.endsWith('.js'))) {
      const bundle = path.join(root, out, file);
      const text = readFileSync(bundle, 'utf8');
      // Dependencies' own sourceMappingURL comments point at maps that are not shipped.
      let code = text.replace(/^\/\/# sourceMappingURL=.*$/gm, '');
      // ncc minifies index.js only; a chunk a step loads (yaml, octokit...) is compiled at
      // every start too, so it is minified the same way (its licenses are in licenses.txt).
      if (file !== 'index.js')
        code = transformSync(code, { minify: true, target: 'es2022', legalComments: 'none' }).code;
      if (code !== text) writeFileSync(bundle, code);
    }
    console.log(`build: dist/${name}/index.js (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}
process.exit(failed ? 1 : 0);
