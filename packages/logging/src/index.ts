/**
 * @herald/logging: what every Herald process sets on its root pino logger.
 *
 * - logSerializers / serializeError: errors logged under `err` keep their message, stack, code and
 *   other plain fields, but not the client, socket or response objects some libraries attach.
 * - logSerializers / serializeRequest: a request logged under `req` (Fastify's access-log lines)
 *   is its method, URL, host and client address; credentials in the query (`ticket`, `token`,
 *   `access_token`, `refresh_token`) read `[redacted]`, and headers are never written.
 *
 * - dropKafkajsUnthrottledTimerWarning: a process that makes kafkajs clients calls it, so that
 *   kafkajs's harmless "-now ms" timer does not print a warning that reads like a fault.
 *
 * Child loggers name their part of the process with `component` (`logger.child({ component:
 * 'publisher' })`): the root's `name` says which process it is, and a second `name` would repeat
 * the key in the JSON line.
 */
import { serializeError } from './serialize-error.js';
import { serializeRequest } from './serialize-request.js';

export { dropKafkajsUnthrottledTimerWarning } from './kafkajs-timer-warning.js';
export { serializeError } from './serialize-error.js';
export { REDACTED, redactUrl, secretQueryParameters, serializeRequest } from './serialize-request.js';

/**
 * `serializers` for every Herald root logger: `pino({ name, level, serializers: logSerializers })`.
 * Given to Fastify as its logger, they take the place of Fastify's own `req` serializer.
 */
export const logSerializers = { err: serializeError, req: serializeRequest };
