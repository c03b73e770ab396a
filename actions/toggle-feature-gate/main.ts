import { runStep } from '../../shared/run.js';
import { main } from './toggle-feature-gate.js';

await runStep('toggle-feature-gate', main);
