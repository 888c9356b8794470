import t from 'tap';
import type { HeraldEvent } from '@herald/event-schemas';
import { analyticsConsumer, applyEvent, applyEvents, createAnalyticsQueries, textStatistics } from '../src/index.js';
import { seededRandom, shuffled } from './helpers/event-history.js';
import { batchContext, handlerContext } from './helpers/handler-context.js';
import {
  commentAdded,
  foldPostStats,
  generatePostHistory,
  postCreated,
  postDeleted,
  postState,
  postUpdated,
  type PostState,
} from './helpers/post-history.js';
import { migratedDatabase, truncateAnalytics } from './helpers/test-database.js';

const { pool } = await migratedDatabase(t);
const queries = createAnalyticsQueries(pool);
const consumer = analyticsConsumer({ pool });
const START = new Date('2025-03-01T10:00:00.000Z');
const later = (ms: number) => new Date(START.getTime() + ms);

async function deliver(events: readonly HeraldEvent[]): Promise<void> {
  for (const [offset, event] of events.entries()) await consumer.handle(event, handlerContext(event, offset));
}

/** Delivers `events` in batches of 1 to `max` records, as the runtime's handleBatch gets them. */
async function deliverInBatches(events: readonly HeraldEvent[], seed: number, max = 40): Promise<void> {
  const random = seededRandom(seed);
  for (let position = 0; position < events.length; ) {
    const batch = events.slice(position, position + 1 + Math.floor(random() * max));
    await consumer.handleBatch!(batch, batchContext(batch, position));
    position += batch.length;
  }
}

/** Every post's figures as kept: id -> what the pure function would say, and the version. */
async function kept(): Promise<Map<string, ReturnType<typeof textStatistics> & { post_version: number }>> {
  const { rows } = await pool.query<{ post_id: string }>('SELECT post_id FROM analytics.post_stats ORDER BY post_id');
  const figures = new Map();
  for (const { post_id: id } of rows) {
    const row = (await queries.postStats(id))!;
    figures.set(id, { word_count: row.word_count, avg_word_length: row.avg_word_length, char_count: row.char_count, post_version: row.post_version });
  }
  return figures;
}

/** The post statistics tables as rows, to show that something changed nothing at all. */
async function dump() {
  const stats = await pool.query('SELECT * FROM analytics.post_stats ORDER BY post_id');
  const deletions = await pool.query('SELECT * FROM analytics.post_stats_deletions ORDER BY post_id');
  return { stats: stats.rows, deletions: deletions.rows };
}

const edit = (post: PostState, content: string, ms: number): PostState => ({ ...post, content, updated_at: later(ms).toISOString(), version: post.version + 1 });

t.beforeEach(() => truncateAnalytics(pool));

t.test('a post without figures yet reads as undefined', async (t) => {
  t.equal(await queries.postStats('nothing-here'), undefined);
});

t.test("a created post's figures are those of the pure function, with its version and the computation time", async (t) => {
  const post = postState({ id: 'example', content: ',,,dwhuw dhuwhdihu wjfiej,,', at: START });
  const before = Date.now();
  await deliver([postCreated(post)]);
  const figures = await queries.postStats('example');
  t.strictSame(
    { ...figures, computed_at: undefined },
    { post_id: 'example', post_created_at: post.created_at, post_version: 1, word_count: 3, avg_word_length: 6.67, char_count: 27, computed_at: undefined },
  );
  t.ok(Date.parse(figures!.computed_at) >= before - 1000 && Date.parse(figures!.computed_at) <= Date.now() + 1000, 'computed_at is the time of computation');
});

t.test('the figures of a generated history equal the pure function applied to each live post', async (t) => {
  for (const seed of [1, 2]) {
    await truncateAnalytics(pool);
    const events = generatePostHistory({ seed, writes: 300, start: START });
    const expected = foldPostStats(events);
    const types = new Set(events.map((event) => event.type));
    t.same([...types].sort(), ['CommentAdded', 'PostCreated', 'PostDeleted', 'PostUpdated'], `seed ${seed}: every kind of post event`);
    const recreated = events.filter((event) => event.type === 'PostCreated').map((event) => event.subject);
    t.ok(new Set(recreated).size < recreated.length, `seed ${seed}: some ids are taken again after a deletion`);
    t.ok(expected.size > 10, `seed ${seed}: a non-trivial set of posts`);
    await deliver(events);
    t.same(await kept(), expected, `seed ${seed}: one event at a time`);

    await truncateAnalytics(pool);
    await deliverInBatches(events, seed);
    t.same(await kept(), expected, `seed ${seed}: in batches`);
  }
});

t.test('the figures follow an edit: each version is counted again', async (t) => {
  const v1 = postState({ content: 'one two three', at: START });
  await deliver([postCreated(v1)]);
  t.match(await queries.postStats(v1.id), { post_version: 1, word_count: 3 });
  const v2 = edit(v1, 'just two', 1_000);
  await deliver([postUpdated(v2)]);
  t.match(await queries.postStats(v1.id), { post_version: 2, word_count: 2, avg_word_length: 3.5, char_count: 8 });
  const v3 = { ...v2, title: 'A title', version: 3 };
  await deliver([postUpdated(v3, ['title'])]);
  t.match(await queries.postStats(v1.id), { post_version: 3, word_count: 2 }, 'a title edit is a new version, with the same figures');
});

t.test('an older version arriving late does not overwrite a newer one', async (t) => {
  const v1 = postState({ content: 'first version here', at: START });
  const v2 = edit(v1, 'second', 1_000);
  const v3 = edit(v2, 'the third and final version', 2_000);
  await deliver([postCreated(v1), postUpdated(v2), postUpdated(v3)]);
  const current = await dump();
  t.match(await queries.postStats(v1.id), { post_version: 3, word_count: 5 });

  // Not duplicates (new event ids) but stale: versions the read model is already past.
  await deliver([postUpdated(v2), postCreated(v1), postUpdated(v3)]);
  await applyEvents(pool, [postUpdated(v1), postUpdated(v2)]);
  t.same(await dump(), current, 'not one row changed, computed_at included');

  // And in one batch, newest first.
  await truncateAnalytics(pool);
  await applyEvents(pool, [postUpdated(v3), postUpdated(v2), postCreated(v1)]);
  t.match(await queries.postStats(v1.id), { post_version: 3, word_count: 5 }, 'the newest of a batch wins whatever its place');
});

t.test('a second delivery of the same event changes nothing', async (t) => {
  const events = generatePostHistory({ seed: 3, writes: 150, start: START });
  const first = [];
  for (const event of events) first.push(await applyEvent(pool, event));
  t.same(new Set(first), new Set(['applied']));
  const before = await dump();

  const outcomes = [];
  for (const event of events) outcomes.push(await applyEvent(pool, event));
  t.same(new Set(outcomes), new Set(['duplicate']), 'every redelivery is recognised as a duplicate');
  t.same(await dump(), before, 'not one row changed');

  await deliverInBatches(shuffled(events, 7), 7);
  t.same(await dump(), before, 'a shuffled redelivery in batches changed nothing either');
});

t.test('the figures vanish with the post, and a late older event does not bring them back', async (t) => {
  const v1 = postState({ content: 'soon gone', at: START });
  const v2 = edit(v1, 'soon gone, edited', 1_000);
  const other = postState({ content: 'stays', at: START });
  await deliver([postCreated(v1), postCreated(other), postUpdated(v2), postDeleted(v2, later(2_000))]);
  t.equal(await queries.postStats(v1.id), undefined, 'gone');
  t.ok(await queries.postStats(other.id), 'the other post keeps its figures');
  const { rows } = await pool.query('SELECT deleted_version FROM analytics.post_stats_deletions WHERE post_id = $1', [v1.id]);
  t.same(rows, [{ deleted_version: 2 }], 'a tombstone with the deleted version');

  await deliver([postUpdated(v2), postCreated(v1), postUpdated({ ...v2, version: 2 })]);
  await applyEvents(pool, [postCreated(v1), postUpdated(v2)]);
  t.equal(await queries.postStats(v1.id), undefined, 'not resurrected by late snapshots, one at a time or in a batch');

  // A deletion that overtakes everything about its post.
  const ghost = postState({ content: 'never seen', at: START });
  await deliver([postDeleted(ghost, later(500)), postCreated(ghost), postUpdated(edit(ghost, 'still never', 100))]);
  t.equal(await queries.postStats(ghost.id), undefined, 'a post deleted before it was seen never appears');
});

t.test('in one batch, a deletion wins over the snapshots of its post, whatever their place', async (t) => {
  const v1 = postState({ content: 'a b c', at: START });
  const v2 = edit(v1, 'a b', 1_000);
  await applyEvents(pool, [postCreated(v1), postDeleted(v2, later(2_000)), postUpdated(v2)]);
  t.equal(await queries.postStats(v1.id), undefined);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM analytics.processed_events');
  t.equal(rows[0].n, 3, 'all three events are in the inbox');
});

t.test('an id taken again after a deletion is a new post, and gets figures of its own', async (t) => {
  const old = postState({ id: 'reused', content: 'the old post had five words', at: START });
  const oldEdit = edit(old, 'the old post, edited', 1_000);
  const deletedAt = later(2_000);
  const fresh = postState({ id: 'reused', content: 'brand new', at: later(3_000) });
  await deliver([postCreated(old), postUpdated(oldEdit), postDeleted(oldEdit, deletedAt), postCreated(fresh)]);
  t.match(await queries.postStats('reused'), { post_version: 1, word_count: 2, post_created_at: fresh.created_at }, 'version 1 of the new post, not blocked by the old tombstone');

  // Late events of the old post: a higher version than the new post's, but of a post deleted since.
  await deliver([postUpdated(oldEdit), postUpdated({ ...oldEdit, version: 7 })]);
  t.match(await queries.postStats('reused'), { post_version: 1, word_count: 2 }, 'the old post does not come back over the new one');

  // The old deletion arriving again after the new post exists removes nothing of it.
  await deliver([postDeleted(oldEdit, deletedAt)]);
  t.match(await queries.postStats('reused'), { post_version: 1, word_count: 2 });

  // The new post's figures overtaken by the old post's edit, then by the old post's deletion.
  await truncateAnalytics(pool);
  await deliver([postCreated(fresh), postUpdated(oldEdit), postDeleted(oldEdit, deletedAt)]);
  t.match(await queries.postStats('reused'), { post_version: 1, word_count: 2 }, 'a higher version of the older post does not replace the newer post');

  // Any order of the same events ends the same way.
  const events = [postCreated(old), postUpdated(oldEdit), postDeleted(oldEdit, deletedAt), postCreated(fresh), postUpdated(edit(fresh, 'brand new again', 4_000))];
  for (const seed of [1, 2, 3, 4]) {
    await truncateAnalytics(pool);
    await deliver(shuffled(events, seed));
    t.match(await queries.postStats('reused'), { post_version: 2, word_count: 3 }, `shuffle ${seed}`);
  }
});

t.test('any delivery order of a history ends in the figures of its commit order', async (t) => {
  const events = generatePostHistory({ seed: 5, writes: 250, start: START, ids: 15 });
  const expected = foldPostStats(events);
  for (const seed of [11, 12]) {
    await truncateAnalytics(pool);
    await deliver(shuffled(events, seed));
    t.same(await kept(), expected, `shuffle ${seed}, one at a time`);
    await truncateAnalytics(pool);
    await deliverInBatches(shuffled(events, seed), seed);
    t.same(await kept(), expected, `shuffle ${seed}, in batches`);
  }
});

t.test('concurrent deliveries of different events of one post end in the newest figures', async (t) => {
  const v1 = postState({ content: 'one', at: START });
  const versions = [v1];
  for (let n = 1; n < 10; n += 1) versions.push(edit(versions[n - 1]!, 'word '.repeat(n + 1).trim(), n * 100));
  const deletion = postDeleted(versions[9]!, later(5_000));
  await Promise.all([...versions.map((version) => applyEvent(pool, version.version === 1 ? postCreated(version) : postUpdated(version))), applyEvent(pool, deletion)]);
  t.equal(await queries.postStats(v1.id), undefined, 'the deletion holds, whichever transaction ran first');

  const other = postState({ content: 'x', at: START });
  const others = [other];
  for (let n = 1; n < 10; n += 1) others.push(edit(others[n - 1]!, 'y '.repeat(n + 1).trim(), n * 100));
  await Promise.all(others.map((version) => applyEvents(pool, [version.version === 1 ? postCreated(version) : postUpdated(version)])));
  t.match(await queries.postStats(other.id), { post_version: 10, word_count: 10 });
});

t.test('comments leave the figures alone and are counted among the event rates', async (t) => {
  const post = postState({ content: 'commented on', at: START });
  await deliver([postCreated(post)]);
  const before = await dump();
  await deliver([commentAdded(post, 1, later(1_000)), commentAdded(post, 2, later(2_000))]);
  t.same(await dump(), before);
  const rates = await createAnalyticsQueries(pool, { now: () => later(2_000) }).eventRates({ minutes: 5, types: ['CommentAdded', 'PostCreated'] });
  t.same(rates.series.map((point) => [point.type, point.count]), [['CommentAdded', 2], ['PostCreated', 1]]);
});
