import { createEmbeddedBroker } from '@herald/event-transport';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { idleHub, stubPublisher } from './helpers/app-stubs.js';
import { capturedLog } from './helpers/captured-log.js';
import { testServerUrl } from './helpers/test-database.js';


t.test('each request leaves one access-log line, written when it completes, naming the request and its outcome', async (t) => {
  const { logger, lines } = capturedLog('info');
  const pool = createPool(testServerUrl(), 1, 'herald-access-log-test');
  const transport = createEmbeddedBroker();
  const app = await buildApp(
    { config: loadConfig({ LOG_LEVEL: 'info' }), pool, publisher: stubPublisher, eventHub: idleHub, transport },
    logger,
  );
  t.teardown(async () => {
    await app.close();
    await pool.end();
    await transport.close();
  });
  lines.length = 0; // start-up lines

  const live = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'req-1' } });
  const missing = await app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { 'x-request-id': 'req-2' } });
  await new Promise((resolve) => setImmediate(resolve));

  const byRequest = (id: string) => lines.filter((line) => line.reqId === id);
  t.equal(byRequest('req-1').length, 1, 'one line for a request');
  const [line] = byRequest('req-1');
  t.match(line, { msg: 'request completed', req: { method: 'GET', url: '/health/live' }, res: { statusCode: live.statusCode } });
  t.type(line!.responseTime, 'number');
  t.equal(byRequest('req-2').length, 1, 'one line for a request that found no route');
  t.match(byRequest('req-2')[0], { res: { statusCode: missing.statusCode } });
});
