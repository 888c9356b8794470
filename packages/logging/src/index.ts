/**
 * @herald/logging: what every Herald process sets on its root pino logger.
 *
 * - logSerializers / serializeError: errors logged under `err` keep their message, stack, code and
 *   other plain fields, but not the client, socket or response objects some libraries attach.
 *
 * Child loggers name their part of the process with `component` (`logger.child({ component:
 * 'publisher' })`): the root's `name` says which process it is, and a second `name` would repeat
 * the key in the JSON line.
 */
export { logSerializers, serializeError } from './serialize-error.js';
