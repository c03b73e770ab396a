import { runStep } from '../../shared/run.js';
import { main } from './select-tests.js';

await runStep('select-tests', main);
