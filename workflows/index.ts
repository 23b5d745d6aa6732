export { SessionWorkflow } from './session';
