import t from 'tap';
import { randomUUID } from 'node:crypto';
import { createEvent } from '@herald/event-schemas';
import { EVENT_TYPES } from '../src/api/types.js';
import { EVENT_GROUPS, EVENT_TYPE_META } from '../src/components/event-type-meta.js';
import { describeEvent, excerpt, formatMoney, formatWhen, shortPostId } from '../src/format.js';
import { countScale } from '../src/state/chart-scale.js';
import { summaryFromProducts } from '../src/state/inventory-summary.js';
import { lowStockWarning, productCreated, stockAdjusted } from './helpers/events.js';
import { comment, commentAdded, commentDeleted, post, postCreated, postDeleted, postUpdated, user, userRegistered } from './helpers/posts.js';

t.test('money in minor units reads in the currency', async (t) => {
  t.equal(formatMoney({ amount: 1250, currency: 'EUR' }, 'en-US'), '€12.50');
  t.equal(formatMoney({ amount: 500, currency: 'JPY' }, 'en-US'), '¥500', 'a currency without minor units');
  t.match(formatMoney({ amount: 1234, currency: 'XXQ' }, 'en-US'), /^XXQ\s12\.34$/, 'a code without a symbol shows the code');
  t.equal(formatMoney({ amount: 1234, currency: 'eur' }, 'en-US'), '€12.34', 'a lower-case code');
  t.equal(formatMoney({ amount: 5, currency: 'EUR' }, 'en-US'), '€0.05');
});

t.test('a total above 2^53, sent as a decimal string, reads with every digit', async (t) => {
  t.equal(formatMoney({ amount: '19342813104826865393074179', currency: 'EUR' }, 'en-US'), '€193,428,131,048,268,653,930,741.79');
  t.equal(formatMoney({ amount: '9007199254740993', currency: 'JPY' }, 'en-US'), '¥9,007,199,254,740,993');
  t.equal(formatMoney({ amount: '0', currency: 'EUR' }, 'en-US'), '€0.00');
});

t.test('a time of today shows alone, an older one with its date', async (t) => {
  const now = new Date(2025, 5, 15, 18, 0);
  t.equal(formatWhen(new Date(2025, 5, 15, 9, 5).toISOString(), now, 'en-GB'), '09:05');
  t.equal(formatWhen(new Date(2025, 5, 2, 9, 5).toISOString(), now, 'en-GB'), '2 Jun, 09:05');
});

t.test('each event reads as one line', async (t) => {
  t.equal(describeEvent(productCreated('TEA-1')), 'TEA-1 · Product TEA-1 · stock 40');
  t.equal(describeEvent(lowStockWarning('TEA-1', 2)), 'TEA-1 · stock 2 (threshold 10)');
  const adjusted = stockAdjusted(new Date(), -3);
  t.equal(describeEvent(adjusted, () => 'TEA-1'), 'TEA-1 · -3 → stock 7 · order');
  t.match(describeEvent(adjusted), /^[0-9a-f]{8} · -3/, 'an unknown product by the start of its id');
});

t.test('a post, a comment, an account and a blog event each say what happened to what', async (t) => {
  const alice = user('alice');
  const p = post({ id: 'first-brew', author: alice, author_id: alice.id, title: 'First brew', content: 'Sencha at 70 °C\nfor a minute.' });
  const handleOf = (id: string) => (id === alice.id ? 'alice' : undefined);
  t.equal(describeEvent(postCreated(p), { handleOf }), '@alice · first-brew · First brew — Sencha at 70 °C for a minute.');
  t.equal(describeEvent(postCreated(p)), 'first-brew · First brew — Sencha at 70 °C for a minute.', 'an author not known yet is left out');
  t.equal(describeEvent(postCreated({ ...p, title: '' })), 'first-brew · Sencha at 70 °C for a minute.', 'no title: the content alone');
  t.equal(describeEvent(postUpdated({ ...p, title: 'Second brew', version: 2 }, ['title'])), 'first-brew · edited title · Second brew — Sencha at 70 °C for a minute.');
  t.equal(describeEvent(postDeleted(p)), 'first-brew · deleted');
  const uuidPost = post({ id: '019a6c2e-4f1b-7d3a-9c2e-5b8f1a2d3e4f' });
  t.equal(describeEvent(postDeleted(uuidPost)), '…1a2d3e4f · deleted', 'a UUIDv7 by its random end');

  const c = comment(p.id, { author: alice, author_id: alice.id, content: 'Try 60 °C, it gets sweeter.' });
  t.equal(describeEvent(commentAdded(c, 3), { handleOf }), '@alice on first-brew · “Try 60 °C, it gets sweeter.” · 3 comments');
  t.equal(describeEvent(commentDeleted(c, 1)), 'on first-brew · comment deleted · 1 comment left');

  t.equal(describeEvent(userRegistered({ ...alice, display_name: 'Alice W.' })), '@alice · Alice W.');
  const bob = user('bob');
  const follow = { follower_id: alice.id, followee_id: bob.id, followed_at: p.created_at };
  t.equal(describeEvent(createEvent({ type: 'UserFollowed', subject: bob.id, source: '/herald/api', data: follow }), { handleOf }), `@alice follows user ${bob.id.slice(0, 8)}`);
  const blog = { id: randomUUID(), owner_id: alice.id, name: 'Tea notes', slug: 'tea-notes', description: '', created_at: p.created_at, updated_at: p.created_at, version: 1 };
  t.equal(describeEvent(createEvent({ type: 'BlogCreated', subject: blog.id, source: '/herald/api', data: { blog } })), 'Tea notes · /tea-notes');
  t.equal(
    describeEvent(createEvent({ type: 'BlogUpdated', subject: blog.id, source: '/herald/api', data: { blog, changed: ['name', 'slug'] } })),
    'Tea notes · changed name, slug',
  );
});

t.test('what a post says is kept as written, markup and all', async (t) => {
  const payload = '<img src=x onerror="window.__xss=1">';
  const p = post({ id: 'x', title: '<script>window.__xss=1</script>', content: payload });
  t.equal(describeEvent(postCreated(p)), `x · <script>window.__xss=1</script> — ${payload}`);
  t.equal(describeEvent(commentAdded(comment('x', { content: '"><svg onload=window.__xss=1>' }), 1)), 'on x · “"><svg onload=window.__xss=1>” · 1 comment');
});

t.test('an excerpt is one line, cut at a word, never inside a character', async (t) => {
  t.equal(excerpt('  short\n\ttext  '), 'short text');
  t.equal(excerpt('one two three four five six seven', 20), 'one two three four…');
  t.equal(excerpt('abcdefghijklmnopqrstuvwxyz', 10), 'abcdefghi…', 'no word end close enough: cut anywhere');
  t.equal(excerpt('😀'.repeat(12), 10), `${'😀'.repeat(9)}…`, 'emoji counted as one character each');
  t.equal(shortPostId('my-first-post'), 'my-first-post');
});

t.test('every event type has a colour of its own and a group', async (t) => {
  const colours = EVENT_TYPES.map((type) => EVENT_TYPE_META[type].color.toLowerCase());
  t.equal(new Set(colours).size, EVENT_TYPES.length, 'a colour per type');
  t.same(
    EVENT_GROUPS.flatMap((g) => g.types),
    [...EVENT_TYPES],
    'the groups hold every type once, in order',
  );
  for (const { group, types } of EVENT_GROUPS) {
    const shorts = types.map((type) => EVENT_TYPE_META[type].short);
    t.equal(new Set(shorts).size, shorts.length, `${group}: the short labels tell the types apart`);
  }
});

t.test('the chart axis ends on a whole, round number at or above the maximum', async (t) => {
  t.same(countScale(0), { top: 4, ticks: [0, 1, 2, 3, 4] });
  t.same(countScale(3).ticks, [0, 1, 2, 3, 4]);
  t.same(countScale(17).ticks, [0, 5, 10, 15, 20]);
  t.same(countScale(70).top, 80);
  t.same(countScale(1234).top, 2000);
});

t.test('the inventory figures can be computed from the product list', async (t) => {
  const product = (stock: number, amount: number, currency: string, low: boolean) =>
    ({ stock, low_stock: low, price: { amount, currency } }) as Parameters<typeof summaryFromProducts>[0][number];
  t.strictSame(summaryFromProducts([product(2, 100, 'USD', true), product(10, 250, 'EUR', false), product(1, 50, 'EUR', true)]), {
    productCount: 3,
    unitsInStock: 13,
    stockValue: [
      { amount: '2550', currency: 'EUR' },
      { amount: '200', currency: 'USD' },
    ],
    lowStockCount: 2,
  });
});

t.test("an image's upload and verdict read as what happened to whose post; a refusal's reason as written", async (t) => {
  const alice = user('alice');
  const p = post({ id: 'with-photo', author: alice, author_id: alice.id });
  const upload = randomUUID();
  const base = { post_id: p.id, author_id: alice.id, upload_id: upload };
  const handleOf = (id: string) => (id === alice.id ? 'alice' : undefined);
  const uploaded = createEvent({ type: 'PostImageUploaded', subject: p.id, source: '/t', data: { ...base, object_key: `uploads/${p.id}/${upload}` } });
  t.equal(describeEvent(uploaded, { handleOf }), '@alice · with-photo · image uploaded, being checked');
  const ready = createEvent({
    type: 'PostImageReady',
    subject: p.id,
    source: '/t',
    data: { ...base, image_key: `images/${p.id}/${upload}/600x600.jpg`, width: 600, height: 600, source_width: 1200, source_height: 800, source_type: 'image/png', size_bytes: 5000 },
  });
  t.equal(describeEvent(ready, { handleOf }), '@alice · with-photo · image ready · 600x600 from a 1200x800 PNG');
  const reason = 'the file is not a PNG, JPEG or BMP <script>x</script>';
  const rejected = createEvent({ type: 'PostImageRejected', subject: p.id, source: '/t', data: { ...base, reason_code: 'unsupported_type', reason } });
  t.equal(describeEvent(rejected), `with-photo · image refused · ${reason}`);
  const removed = createEvent({ type: 'PostImageRemoved', subject: p.id, source: '/t', data: { post_id: p.id, author_id: base.author_id, upload_id: upload, reason: 'removed' } });
  t.equal(describeEvent(removed, { handleOf }), '@alice · with-photo · image removed');
  const replaced = createEvent({ type: 'PostImageRemoved', subject: p.id, source: '/t', data: { post_id: p.id, author_id: base.author_id, upload_id: upload, reason: 'replaced' } });
  t.equal(describeEvent(replaced, { handleOf }), '@alice · with-photo · image replaced');
});
