import { runMainOrPost } from '../../shared/run.js';
import { main, post } from './toggle-feature-gate.js';

await runMainOrPost('toggle-feature-gate', { main: () => main(), post: () => post() });
