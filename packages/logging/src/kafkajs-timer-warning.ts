/**
 * kafkajs 2.2.4 arms a timer for `throttledUntil - Date.now()` after every answered request, and
 * `throttledUntil` is -1 while the broker is not throttling it (tulios/kafkajs#1751). Node clamps
 * that delay to 1 ms as it always has; the Node this project runs (24) also prints a
 * TimeoutNegativeWarning, which reads like a fault to whoever starts Herald on Kafka. This drops
 * exactly that warning: a delay of minus the current epoch in milliseconds, which no timer of
 * Herald's own can produce. Every other warning passes. One thing it cannot give back: Node warns
 * about the first negative delay of a process only, so once kafkajs's has been dropped, a later
 * negative delay elsewhere is not reported either (nor would it have been without this filter).
 */
const EPOCH_LIKE_MS = 1e12; // 2001-09-09: any "-now" delay is below -EPOCH_LIKE_MS

let installed = false;

function isKafkajsUnthrottledTimerWarning(warning: string | Error, type: string | undefined): boolean {
  const name = typeof warning === 'string' ? type : warning.name;
  if (name !== 'TimeoutNegativeWarning') return false;
  const message = typeof warning === 'string' ? warning : warning.message;
  const delay = Number.parseFloat(message);
  return delay < -EPOCH_LIKE_MS;
}

export function dropKafkajsUnthrottledTimerWarning(): void {
  if (installed) return;
  installed = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = function filteredEmitWarning(warning: string | Error, ...rest: unknown[]): void {
    const [typeOrOptions] = rest;
    const type = typeof typeOrOptions === 'string' ? typeOrOptions : (typeOrOptions as { type?: string } | undefined)?.type;
    if (isKafkajsUnthrottledTimerWarning(warning, type)) return;
    emitWarning(warning, ...rest);
  } as typeof process.emitWarning;
}
