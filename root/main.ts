import { runMainOrPost } from '../shared/run.js';
import { main, post } from './virt-ci.js';

await runMainOrPost('virt-ci', { main: () => main(), post: () => post() });
