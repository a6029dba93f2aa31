export { Operation, HandlerMode } from './operations';
