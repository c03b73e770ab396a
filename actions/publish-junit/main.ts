import { runStep } from '../../shared/run.js';
import { main } from './publish-junit.js';

await runStep('publish-junit', main);
