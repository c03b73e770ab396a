import { runAction } from '../../shared/action/action.js';
import { action } from './action.js';

await runAction(action);
