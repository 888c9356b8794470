import pg from 'pg';
import t from 'tap';
import { createPool } from '../../src/db/pool.js';
import { parseAnyTimestamptz, parseTimestamptz } from '../../src/db/timestamps.js';
import { createTestDatabase } from '../helpers/test-database.js';

// pg's own parser (postgres-date), which it uses unless told otherwise: the reference every result must match.
const reference = parseAnyTimestamptz;
t.not(reference, parseTimestamptz, 'the reference is pg’s parser, not this one');

const same = (text: string) => {
  const expected = reference(text);
  const actual = parseTimestamptz(text);
  return expected instanceof Date && actual instanceof Date
    ? Object.is(actual.getTime(), expected.getTime())
    : Object.is(actual, expected);
};

t.test('a timestamptz as PostgreSQL prints it is parsed to the Date pg would give', async (t) => {
  for (const text of [
    '2026-12-01 10:56:54+00',
    '2026-12-01 10:56:54.6+00',
    '2026-12-01 10:56:54.62+00',
    '2026-12-01 10:56:54.625+00',
    '2026-12-01 10:56:54.625123+00',
    '2026-12-01 10:56:54.999999+00',
    '2026-12-01 16:26:54.625+05:30',
    '2026-12-01 07:26:54.625-03:30',
    '2026-12-01 01:56:54-09',
    '2024-02-29 23:59:59.999+14',
    '1970-01-01 00:00:00+00',
    '1000-01-01 00:00:00+00',
    '9999-12-31 23:59:59.999999-12',
  ]) {
    t.ok(same(text), text);
  }
});

t.test('what the fast reading does not cover goes to pg’s parser, with its results', async (t) => {
  for (const text of [
    '0099-06-01 12:00:00+00',
    '0999-06-01 12:00:00+00',
    '0044-03-15 12:00:00+00 BC',
    '12345-01-01 00:00:00+00',
    '1890-01-01 00:00:00+00:53:28',
    'infinity',
    '-infinity',
    '2026-12-01T10:56:54Z',
    '2026-12-01 10:56:54.1234567+00',
    '2026-12-01 10:56:54.+00',
    '2026-12-01 1x:56:54+00',
  ]) {
    t.ok(same(text), text);
  }
});

t.test('random instants in random zones parse as pg would', async (t) => {
  let mismatches = 0;
  for (let i = 0; i < 5_000; i++) {
    const ms = Math.floor(Math.random() * 253_402_300_799_000); // 1970 to 9999
    const micros = Math.floor(Math.random() * 1000);
    const offset = (Math.floor(Math.random() * 105) - 48) * 15; // -12:00 to +14:00 in quarter hours
    const local = new Date(ms + offset * 60_000).toISOString(); // the wall clock in that zone
    const fraction = `${local.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '');
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${Math.abs(offset) % 60 ? `:${String(Math.abs(offset) % 60).padStart(2, '0')}` : ''}`;
    const text = `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction ? `.${fraction}` : ''}${zone}`;
    if (!same(text) || (parseTimestamptz(text) as Date).getTime() !== ms) {
      mismatches += 1;
      if (mismatches <= 5) t.fail(`${text}: ${String(parseTimestamptz(text))} vs ${String(reference(text))} (expected ${new Date(ms).toISOString()})`);
    }
  }
  t.equal(mismatches, 0);
});

t.test('timestamps read through Herald’s pool are the instants PostgreSQL holds, in any session time zone', async (t) => {
  const database = await createTestDatabase();
  const pool = createPool(database.url, 1, 'timestamps-test');
  t.teardown(async () => {
    await pool.end();
    await database.drop();
  });
  for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Kiritimati', 'Europe/Amsterdam']) {
    const client = await pool.connect();
    try {
      await client.query(`SET TimeZone = '${zone}'`);
      const { rows } = await client.query<{ at: Date; epoch_ms: string }>(
        `SELECT at, floor(extract(epoch FROM at) * 1000)::bigint AS epoch_ms
           FROM unnest(ARRAY['2026-12-01 10:56:54.625123+00', '2026-03-29 01:30:00+00', '1999-12-31 23:59:59.9+00', '2000-01-01 00:00:00+00']::timestamptz[]) AS at`,
      );
      for (const row of rows) t.equal(row.at.getTime(), Number(row.epoch_ms), `${zone}: ${row.at.toISOString()}`);
    } finally {
      client.release();
    }
  }
  t.equal(pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text'), parseTimestamptz, 'the pool reads timestamptz with it');
});
