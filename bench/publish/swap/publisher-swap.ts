/**
 * Stands in for apps/api/src/publisher/publisher.ts when runtime.ts imports it (see
 * publisher-hooks.mjs), so `startHerald` builds the whole real application around whichever
 * publisher the variant chose. Everything but `startPublisher` is the real module's.
 */
import { register } from 'node:module';
import type { Publisher, PublisherOptions } from '../../../apps/api/src/publisher/publisher.js';

export * from '../../../apps/api/src/publisher/publisher.js';

export type PublisherFactory = (options: PublisherOptions) => Publisher;

let factory: PublisherFactory | undefined;

/** Must run before runtime.ts is first imported: module resolution is cached from then on. */
export function swapPublisher(create: PublisherFactory): void {
  factory = create;
  register(new URL('./publisher-hooks.mjs', import.meta.url), {
    data: {
      runtimeSuffix: '/apps/api/src/runtime.ts',
      publisherUrl: new URL('../../../apps/api/src/publisher/publisher.ts', import.meta.url).href,
      swapUrl: import.meta.url,
    },
  });
}

export function startPublisher(options: PublisherOptions): Publisher {
  if (!factory) throw new Error('publisher-swap: swapPublisher() was not called before startHerald');
  return factory(options);
}
