import { runStep } from '../../shared/run.js';
import { main } from './setup-hypervisor.js';

await runStep('setup-hypervisor', main);
