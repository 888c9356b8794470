import type { TransportLogger } from '@herald/event-transport';

const ignore = (): void => {};

/** Used when the application passes no logger: a library stays quiet unless asked. */
export const silentLogger: TransportLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
