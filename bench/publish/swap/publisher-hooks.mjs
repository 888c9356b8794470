/**
 * Module hooks (node:module register) that give `runtime.ts` a different `startPublisher`: when
 * runtime.ts imports its publisher module, it gets `publisher-swap.ts` instead. Every other
 * importer, including publisher-swap.ts itself, still gets the real module. Plain JavaScript
 * because hooks modules load before, and apart from, the TypeScript loader.
 */
let runtimeSuffix;
let publisherUrl;
let swapUrl;

export function initialize(data) {
  ({ runtimeSuffix, publisherUrl, swapUrl } = data);
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url === publisherUrl && context.parentURL?.endsWith(runtimeSuffix)) {
    return { url: swapUrl, shortCircuit: true };
  }
  return resolved;
}
