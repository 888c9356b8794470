export interface SseRun {
  clients: number;
  connected: number;
  dropped: number;
  writes: number;
  expectedDeliveries: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  deliveredPerSecond: number;
  rssBeforeBytes: number;
  rssIdleBytes: number;
  rssPeakBytes: number;
  bytesPerConnection: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function renderReport(runs: SseRun[], load: { writesPerSecond: number; seconds: number }): string {
  const rows = runs.map((r) =>
    [
      r.clients,
      `${r.connected}`,
      `${r.delivered} / ${r.expectedDeliveries}`,
      r.dropped,
      r.p50Ms.toFixed(1),
      r.p99Ms.toFixed(1),
      r.maxMs.toFixed(0),
      r.deliveredPerSecond.toFixed(0),
      `${(r.bytesPerConnection / 1024).toFixed(1)} KiB`,
      `${mb(r.rssBeforeBytes)} → ${mb(r.rssIdleBytes)} (peak ${mb(r.rssPeakBytes)})`,
    ].join(' | '),
  );
  return [
    `# SSE fan-out benchmark (${new Date().toISOString()})`,
    '',
    `One API instance (embedded PostgreSQL and broker, own process); ${load.writesPerSecond} product writes/s for ${load.seconds} s;`,
    'every client subscribed to ProductCreated. Latency: from the write response (commit) reaching the writer to the',
    'event reaching a client, over all clients. Memory: API process RSS, idle clients connected vs none.',
    '',
    '| clients | connected | delivered | dropped | p50 ms | p99 ms | max ms | events/s delivered | memory per connection | API RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}
