import { runStep } from '../../shared/run.js';
import { main } from './promote-digest.js';

await runStep('promote-digest', main);
