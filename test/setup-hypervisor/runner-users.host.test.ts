import { describe, expect, it } from '@jest/globals';
import { chownSync } from 'node:fs';
import { groupName, runnerUsers } from '../../actions/setup-hypervisor/runner-users.js';
import { NOBODY, hostFacts, itAsRoot, tmp } from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('getent');

// The users a root job works for, looked up in this host's real user database (getent).
const host = await hostFacts();

describe('runnerUsers', () => {
  it('takes SUDO_USER, and never root', async () => {
    expect(await runnerUsers(undefined, { SUDO_USER: 'nobody' })).toEqual([
      { name: 'nobody', uid: NOBODY.uid, gid: NOBODY.gid, why: 'SUDO_USER' },
    ]);
    expect(await runnerUsers(undefined, { SUDO_USER: 'root' })).toEqual([]);
    expect(await runnerUsers(undefined, { SUDO_USER: 'virt-ci-no-such-user' })).toEqual([]);
  });

  itAsRoot(host, "takes the workspace's owner, once when it is SUDO_USER too", async () => {
    const ws = tmp();
    expect(await runnerUsers(ws, {})).toEqual([]);
    chownSync(ws, NOBODY.uid, NOBODY.gid);
    expect(await runnerUsers(ws, { SUDO_USER: 'nobody' })).toEqual([
      {
        name: 'nobody',
        uid: NOBODY.uid,
        gid: NOBODY.gid,
        why: 'SUDO_USER, owner of the workspace',
      },
    ]);
  });

  it('names a group by its number, or gives the number where it has no name', async () => {
    expect(await groupName(0)).toBe('root');
    expect(await groupName(987_654)).toBe('987654');
  });
});
