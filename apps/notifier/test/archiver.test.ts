import { gunzipSync } from 'node:zlib';
import type { EventLog } from '@herald/event-log';
import type { HeraldEvent } from '@herald/event-schemas';
import type * as Minio from 'minio';
import t, { type Test } from 'tap';
import { createArchiveStore, createArchiver, hourPrefix } from '../src/index.js';
import { collect, eventually, freshStores, productCreated, productDeleted, type Stores } from './helpers.js';

const HOUR = 3_600_000;
const RETENTION_SECONDS = 10;

/** Ids of every event in the archive bucket, once per copy. */
async function archivedIds(s3: Minio.Client, bucket: string): Promise<string[]> {
  const store = createArchiveStore(s3, bucket);
  const ids: string[] = [];
  for await (const item of s3.listObjectsV2(bucket, 'events/', true) as AsyncIterable<{ name?: string }>) {
    for (const event of await store.read(item.name!)) ids.push(event.id);
  }
  return ids;
}

async function loggedIds(eventLog: EventLog): Promise<string[]> {
  return (await collect(eventLog.olderThan(new Date(Date.now() + 24 * HOUR)))).flat().map((item) => item.event.id);
}

/** Every expected event is in exactly one place, exactly once: the log or the archive. */
async function assertExactlyOnce(t: Test, stores: Stores, expected: HeraldEvent[]): Promise<void> {
  const everywhere = [...(await loggedIds(stores.eventLog)), ...(await archivedIds(stores.s3, stores.bucket))];
  t.equal(everywhere.length, expected.length, 'no event is missing or duplicated across the log and the archive');
  t.same(new Set(everywhere), new Set(expected.map((e) => e.id)), 'and they are exactly the events logged');
}

/**
 * The invariant at any moment, crashed pass or not: nothing is lost (every event is in the log or
 * the archive) and the archive holds each event at most once.
 */
async function assertNothingLost(t: Test, stores: Stores, expected: HeraldEvent[]): Promise<void> {
  const archived = await archivedIds(stores.s3, stores.bucket);
  t.equal(new Set(archived).size, archived.length, 'the archive holds no event twice');
  const everywhere = new Set([...(await loggedIds(stores.eventLog)), ...archived]);
  t.same(everywhere, new Set(expected.map((e) => e.id)), 'every event is in the log or the archive');
}

/** Logs `count` events per event-time hour in `hours`, logged a minute ago (past the window). */
async function logOld(eventLog: EventLog, hours: number[], count: number): Promise<HeraldEvent[]> {
  const events: HeraldEvent[] = [];
  const loggedAt = new Date(Date.now() - 60_000);
  for (const hour of hours) {
    for (let i = 0; i < count; i++) {
      const time = new Date(hour + 7 * 60_000 + i * 1000);
      const event = i % 3 === 2 ? productDeleted(time) : productCreated(time);
      await eventLog.append(event, loggedAt);
      events.push(event);
    }
  }
  return events;
}

/** The s3 client, with putObject throwing on the listed calls (1-based) before anything is written. */
function failingPuts(s3: Minio.Client, failOn: number[]): Minio.Client {
  let calls = 0;
  return new Proxy(s3, {
    get(target, prop) {
      if (prop === 'putObject') {
        return async (...args: Parameters<Minio.Client['putObject']>) => {
          calls++;
          if (failOn.includes(calls)) throw Object.assign(new Error('killed before the put'), { code: 'ECONNRESET' });
          return target.putObject(...args);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The event log, with remove() dying on the listed calls (1-based), optionally after deleting part of its ids. */
function failingRemoves(eventLog: EventLog, failOn: number[], { deleteFirst = 0 } = {}): EventLog {
  let calls = 0;
  return {
    ...eventLog,
    async remove(ids) {
      calls++;
      if (failOn.includes(calls)) {
        const list = [...ids];
        if (deleteFirst > 0) await eventLog.remove(list.slice(0, deleteFirst));
        throw new Error('killed after the put, before the log items were removed');
      }
      return eventLog.remove(ids);
    },
  };
}

const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
const hours = [thisHour - 3 * HOUR, thisHour - 2 * HOUR];

t.test('events past the window move to gzip NDJSON objects under their event-time hour, and leave the log', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  const old = await logOld(stores.eventLog, hours, 5);
  const recent = productCreated(new Date());
  await stores.eventLog.append(recent);

  const archiver = createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS });
  const result = await archiver.runOnce();
  t.equal(result.ran, true);
  t.equal(result.archived, old.length);
  t.equal(result.objects.length, 2, 'one object per event-time hour');
  for (const [i, hour] of hours.entries()) {
    t.match(result.objects[i], new RegExp(`^${hourPrefix(hour)}\\d{8}T\\d{9}Z-[0-9a-f]{32}\\.ndjson\\.gz$`), 'events/yyyy/mm/dd/hh/<name>');
  }
  t.ok(result.objects[0]!.startsWith(`events/${new Date(hours[0]!).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/')}/`));

  const body = Buffer.concat(await collect((await stores.s3.getObject(stores.bucket, result.objects[0]!)) as AsyncIterable<Buffer>));
  const lines = gunzipSync(body).toString('utf8').trimEnd().split('\n');
  t.same(lines.map((line) => JSON.parse(line)), old.slice(0, 5), 'one CloudEvent per line, in (time, id) order');

  t.same(await loggedIds(stores.eventLog), [recent.id], 'only the recent event is left in the log');
  await assertExactlyOnce(t, stores, [...old, recent]);

  const again = await archiver.runOnce();
  t.equal(again.archived + again.alreadyArchived, 0, 'a second pass has nothing to do');
});

t.test('a pass killed after storing the object but before removing the log items: the rerun removes them without archiving them again', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  const old = await logOld(stores.eventLog, hours, 4);
  const options = { s3: stores.s3, bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS };

  const crashing = createArchiver({ ...options, eventLog: failingRemoves(stores.eventLog, [1]) });
  await t.rejects(crashing.runOnce(), /killed after the put/);
  t.equal((await archivedIds(stores.s3, stores.bucket)).length, 4, 'the first hour is in the archive');
  t.equal((await loggedIds(stores.eventLog)).length, 8, 'and still all in the log');

  const rerun = await createArchiver({ ...options, eventLog: stores.eventLog }).runOnce();
  t.equal(rerun.alreadyArchived, 4, 'the first hour is recognised as archived');
  t.equal(rerun.archived, 4, 'the second hour is archived');
  t.equal(rerun.objects.length, 1, 'one new object, for the second hour only');
  await assertExactlyOnce(t, stores, old);
  t.same(await loggedIds(stores.eventLog), []);
});

t.test('a pass killed between two hours: the rerun archives the second hour, every event once', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  const old = await logOld(stores.eventLog, hours, 4);
  const options = { eventLog: stores.eventLog, bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS };

  const crashing = createArchiver({ ...options, s3: failingPuts(stores.s3, [2]) });
  await t.rejects(crashing.runOnce(), /killed before the put/);
  t.equal((await archivedIds(stores.s3, stores.bucket)).length, 4, 'the first hour made it');
  t.equal((await loggedIds(stores.eventLog)).length, 4, 'the second hour is still in the log');
  await assertExactlyOnce(t, stores, old);

  const rerun = await createArchiver({ ...options, s3: stores.s3 }).runOnce();
  t.equal(rerun.archived, 4);
  t.equal(rerun.alreadyArchived, 0);
  await assertExactlyOnce(t, stores, old);
  t.same(await loggedIds(stores.eventLog), []);
});

t.test('a pass killed halfway through removing the log items: the rerun removes the rest, archiving nothing twice', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  const old = await logOld(stores.eventLog, hours, 6);
  const options = { s3: stores.s3, bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS };

  const crashing = createArchiver({ ...options, eventLog: failingRemoves(stores.eventLog, [2], { deleteFirst: 3 }) });
  await t.rejects(crashing.runOnce(), /killed after the put/);
  t.equal((await loggedIds(stores.eventLog)).length, 3, 'half of the second hour is still in the log');

  const rerun = await createArchiver({ ...options, eventLog: stores.eventLog }).runOnce();
  t.equal(rerun.archived, 0, 'nothing is written again');
  t.equal(rerun.alreadyArchived, 3);
  await assertExactlyOnce(t, stores, old);
});

t.test('repeated crashes at every step, then a clean pass: every event exactly once', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  const old = await logOld(stores.eventLog, [thisHour - 5 * HOUR, thisHour - 4 * HOUR, thisHour - 3 * HOUR], 5);
  const options = { bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS, batchSize: 4 };
  const crashes = [
    createArchiver({ ...options, eventLog: stores.eventLog, s3: failingPuts(stores.s3, [1]) }),
    createArchiver({ ...options, eventLog: failingRemoves(stores.eventLog, [2]), s3: stores.s3 }),
    createArchiver({ ...options, eventLog: failingRemoves(stores.eventLog, [1], { deleteFirst: 1 }), s3: stores.s3 }),
    createArchiver({ ...options, eventLog: stores.eventLog, s3: failingPuts(stores.s3, [3]) }),
  ];
  for (const archiver of crashes) {
    await t.rejects(archiver.runOnce());
    await assertNothingLost(t, stores, old);
  }
  await createArchiver({ ...options, eventLog: stores.eventLog, s3: stores.s3 }).runOnce();
  await assertExactlyOnce(t, stores, old);
  t.same(await loggedIds(stores.eventLog), [], 'all archived in the end');
});

t.test('only one archiver runs a pass at a time', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: RETENTION_SECONDS });
  await logOld(stores.eventLog, hours, 2);
  t.equal(await stores.eventLog.acquireLease('archiver', 'another-instance', 60_000), true);
  const archiver = createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: RETENTION_SECONDS });
  const skipped = await archiver.runOnce();
  t.equal(skipped.ran, false, 'a pass while another instance holds the lease does nothing');
  t.equal((await loggedIds(stores.eventLog)).length, 4);
  await stores.eventLog.releaseLease('archiver', 'another-instance');
  t.equal((await archiver.runOnce()).archived, 4, 'once released, the pass runs');
});

t.test('the archiver loop moves events as they leave the window, and stops cleanly', async (t) => {
  const stores = await freshStores(t, { retentionSeconds: 1 });
  const events = [productCreated(), productDeleted()];
  for (const event of events) await stores.eventLog.append(event);
  const archiver = createArchiver({ eventLog: stores.eventLog, s3: stores.s3, bucket: stores.bucket, retentionSeconds: 1 });
  archiver.start(200);
  t.teardown(() => archiver.stop());
  await eventually(async () => {
    if ((await loggedIds(stores.eventLog)).length > 0) throw new Error('still in the log');
  });
  await archiver.stop();
  await assertExactlyOnce(t, stores, events);
});
