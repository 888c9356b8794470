import { stdSerializers } from 'pino';

/** How deep nested errors (`cause`, aggregated errors, error-valued fields) are followed. */
const MAX_DEPTH = 5;

type Serialized = Record<string, unknown>;

const isPlainData = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null || Array.isArray(value) || value instanceof Date;
};

/** `[Client]` for a pg Client, `[Socket]` for a socket: what it was, not all it holds. */
const label = (value: object): string => `[${(value.constructor as { name?: string } | undefined)?.name || 'object'}]`;

function compact(serialized: Serialized, errorProto: object, depth: number): Serialized {
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value !== 'object' || value === null) continue;
    if (Object.getPrototypeOf(value) === errorProto) {
      serialized[key] = depth < MAX_DEPTH ? compact(value as Serialized, errorProto, depth + 1) : '[error]';
    } else if (Array.isArray(value)) {
      serialized[key] = value.map((item: unknown) => {
        if (typeof item !== 'object' || item === null) return item;
        if (Object.getPrototypeOf(item) === errorProto) return depth < MAX_DEPTH ? compact(item as Serialized, errorProto, depth + 1) : '[error]';
        return isPlainData(item) ? item : label(item);
      });
    } else if (!isPlainData(value)) {
      serialized[key] = label(value);
    }
  }
  return serialized;
}

/**
 * pino's error serializer, except that fields holding objects that are not plain data are named
 * rather than written out: pg-pool puts the whole `client` on the errors of idle connections
 * (about 5 KB of connection internals per log line), and sockets or HTTP responses ride on other
 * libraries' errors. Plain fields (`code`, `severity`, `$metadata`, validation lists) are kept.
 */
export function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  if (serialized === error || typeof serialized !== 'object' || serialized === null) return serialized;
  return compact(serialized as Serialized, Object.getPrototypeOf(serialized) as object, 0);
}
