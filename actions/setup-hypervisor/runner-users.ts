import { statSync } from 'node:fs';
import { exec } from '../../shared/exec.js';

/**
 * The users a job run as root works for: whoever ran sudo to get there (SUDO_USER) and the
 * owner of the workspace (a self-hosted runner's account, or a container's mapped user).
 * Root itself is never one of them: it needs no grant.
 */
export interface RunnerUser {
  name: string;
  uid: number;
  gid: number;
  /** Why this user counts: "SUDO_USER", "owner of the workspace". */
  why: string;
}

async function lookUp(key: string): Promise<Omit<RunnerUser, 'why'> | undefined> {
  const r = await exec('getent', ['passwd', key], { allowFailure: true, timeoutMs: 10_000 }).catch(
    () => undefined,
  );
  const [name, , uid, gid] = r?.code === 0 ? r.stdout.trim().split(':') : [];
  if (!name || uid === undefined || gid === undefined) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}

export async function runnerUsers(
  workspace: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<RunnerUser[]> {
  const found: RunnerUser[] = [];
  const add = (u: Omit<RunnerUser, 'why'> | undefined, why: string) => {
    if (!u || u.uid === 0) return;
    const same = found.find((f) => f.uid === u.uid);
    if (same) same.why += `, ${why}`;
    else found.push({ ...u, why });
  };
  if (env.SUDO_USER) add(await lookUp(env.SUDO_USER), 'SUDO_USER');
  if (workspace) {
    let uid: number | undefined;
    try {
      uid = statSync(workspace).uid;
    } catch {
      // No workspace yet (a job without checkout): SUDO_USER is all there is to go by.
    }
    if (uid !== undefined && uid !== 0) add(await lookUp(String(uid)), 'owner of the workspace');
  }
  return found;
}

/** The name of a group, for a configuration that wants names; the number where it has none. */
export async function groupName(gid: number): Promise<string> {
  const r = await exec('getent', ['group', String(gid)], {
    allowFailure: true,
    timeoutMs: 10_000,
  }).catch(() => undefined);
  return (r?.code === 0 ? r.stdout.split(':')[0] : undefined) || String(gid);
}
