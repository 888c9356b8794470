import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { EVENT_LOG_ERROR_CODES, EventLogError, startEmbeddedDynamoDb } from '../src/index.js';

t.test('a log folder another server holds is refused at start, saying so, instead of failing every request', async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'herald-dynalite-'));
  t.teardown(() => rmSync(path, { recursive: true, force: true }));
  const first = await startEmbeddedDynamoDb({ path });
  t.teardown(() => first.close());

  const error = await startEmbeddedDynamoDb({ path }).then(
    (second) => second.close().then(() => undefined),
    (e: unknown) => e,
  );
  t.ok(error instanceof EventLogError, String(error));
  t.equal((error as EventLogError).code, EVENT_LOG_ERROR_CODES.folderInUse);
  t.match((error as Error).message, `the event log in ${path} is open in another process`);

  await first.close();
  const again = await startEmbeddedDynamoDb({ path });
  await again.close();
  t.pass('free again once the first server has closed');
});
