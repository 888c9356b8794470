import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { findFreePort } from '@herald/stack';
import t, { type Test } from 'tap';
import { loadConfig } from '../src/config.js';
import { ensureBucket } from '../src/index.js';
import { runReplayCommand } from '../src/replay/command.js';
import { openNotifierStores } from '../src/stores.js';
import { productCreated, tempDir } from './helpers.js';

function commandIo(env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io: { env, stdout, stderr }, output: () => ({ out, err }) };
}

const lastHour = () => ['--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString()];

/** What the API does on the embedded defaults: serve the stores of DATA_DIR, here on ports of its choosing. */
async function serveStores(t: Test, dataDir: string) {
  const config = loadConfig({ DATA_DIR: dataDir, EMBEDDED_DYNAMODB_PORT: '0', EMBEDDED_S3_PORT: '0', LOG_LEVEL: 'silent' });
  const stores = await openNotifierStores(config);
  t.teardown(() => stores.close());
  await stores.eventLog.ensureTable();
  await ensureBucket(stores.s3, stores.bucket);
  const event = productCreated(new Date());
  await stores.eventLog.append(event);
  return { stores, event };
}

t.test('the replay command reads the stores of the Herald running on its DATA_DIR, whatever their ports', async (t) => {
  const dataDir = tempDir(t, 'herald-replay-running-');
  const { stores, event } = await serveStores(t, dataDir);

  // Only DATA_DIR, as a person would run it next to `npm start`.
  const { io, output } = commandIo({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const code = await runReplayCommand(lastHour(), io);
  t.equal(code, 0, output().err);
  t.same(output().out.trimEnd().split('\n').map((line) => JSON.parse(line).id), [event.id]);

  await stores.close();
  t.notOk(existsSync(join(dataDir, 'embedded-endpoints.json')), 'the record goes when the stores close');
});

t.test('the replay command says what to pass when the running Herald cannot be found', async (t) => {
  const dataDir = tempDir(t, 'herald-replay-unknown-');
  await serveStores(t, dataDir);
  // As with a Herald that did not record its endpoints.
  await rm(join(dataDir, 'embedded-endpoints.json'));

  const { io, output } = commandIo({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // Ports nothing listens on (the defaults could be another Herald's on this machine).
    EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
    EMBEDDED_S3_PORT: String(await findFreePort()),
  });
  t.equal(await runReplayCommand(lastHour(), io), 1);
  t.match(output().err, /the event log in .* is open in another process/);
  t.match(output().err, /EMBEDDED_DYNAMODB_PORT and\s+EMBEDDED_S3_PORT the API was started with/);
});
