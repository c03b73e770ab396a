import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import { fixtures } from '../../support/harness.js';

export const ownFixtures = path.join(fixtures, 'select-tests');

const made: string[] = [];
// Registered while the importing test file is collected: its workspaces go when it ends.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh workspace with the KubeVirt-like fixtures and the seed's profile in .github/. */
export function makeWorkspace(extra: Record<string, string> = {}): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'select-tests-ws-'));
  made.push(ws);
  cpSync(ownFixtures, ws, { recursive: true });
  mkdirSync(path.join(ws, '.github'), { recursive: true });
  cpSync(path.join(ownFixtures, 'virt-ci.yaml'), path.join(ws, '.github', 'virt-ci.yaml'));
  for (const [rel, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    writeFileSync(path.join(ws, rel), text);
  }
  return ws;
}
