import os from 'node:os';
import path from 'node:path';
import type { ActionDefinition } from '../../shared/action/action.js';
import { UDEV_RULES_DIR } from './device-access.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import { run } from './setup-hypervisor.js';
import type { Deps, Options, Result, State } from './types.js';

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'setup-hypervisor',
  options,
  deps: (ctx, base) => ({
    ...base,
    udevRulesDir: UDEV_RULES_DIR,
    // The runner user's own folder: the cache's tar reads it as that user.
    aptArchives: path.join(os.homedir(), '.cache', 'virt-ci', 'apt-archives'),
    aptReinstall: false,
    workspace: ctx.workspace,
  }),
  run,
};
