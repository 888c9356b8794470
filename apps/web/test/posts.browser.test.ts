import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { browserUnavailable, openDashboard } from './dashboard-scenario.js';
import { startFakeApi, type FakeApi, type FakeApiOptions } from './helpers/fake-api.js';

const distDir = fileURLToPath(new URL('../dist', import.meta.url));
const skip = !existsSync(`${distDir}/index.html`)
  ? 'apps/web/dist is missing: build the dashboard first (npm run build -w apps/web)'
  : browserUnavailable();

async function withFakeApi(t: { teardown(fn: () => unknown): void }, options: Omit<FakeApiOptions, 'distDir'> = {}): Promise<FakeApi> {
  const api = await startFakeApi({ distDir, ...options });
  t.teardown(() => api.close());
  return api;
}

const card = (id: string) => `[data-testid="post-card"][data-post-id="${id}"]`;

t.test('the posts view in a browser', { skip: skip ?? false }, async (t) => {
  t.test('posts follow the events: new, commented, edited, a comment and a post deleted, with no page read again', async (t) => {
    const api = await withFakeApi(t, { statsDelayMs: 0 });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const reads = (path: RegExp) => api.apiRequests.filter((r) => r.method === 'GET' && path.test(r.path)).map((r) => `${r.path}?${r.search}`);
    await page.locator(card('first-brew')).waitFor();
    t.same(reads(/^\/api\/v1\/posts$/), ['/api/v1/posts?sort=recent&limit=20'], 'the recent posts, read once');

    const post = api.posts.createPost({ id: 'oolong-notes', title: 'Oolong notes', content: 'Roasted, then floral on the third steep.', author: 'alice' });
    const first = page.locator(`[data-testid="post-card"]`).first();
    await page.locator(card('oolong-notes')).waitFor({ timeout: 5000 });
    t.equal(await first.getAttribute('data-post-id'), 'oolong-notes', 'a new post on top');
    t.match(await first.innerText(), /@alice/, 'with its author\'s handle');
    t.match(await first.innerText(), /0 comments/);

    const c1 = api.posts.addComment(post.id, 'Which farm?', 'admin');
    api.posts.addComment(post.id, 'Muzha, I think.', 'alice');
    await page.locator(`${card('oolong-notes')}[data-comment-count="2"]`).waitFor({ timeout: 5000 });
    t.same(await page.locator(`${card('oolong-notes')} [data-testid="post-comment-text"]`).allInnerTexts(), ['Muzha, I think.', 'Which farm?'], 'newest comment first');

    api.posts.editPost(post.id, { content: 'Roasted; floral from the third steep on.' });
    await page.locator(`${card('oolong-notes')}[data-version="2"]`).waitFor({ timeout: 5000 });
    t.equal(await page.locator(`${card('oolong-notes')} [data-testid="post-content"]`).innerText(), 'Roasted; floral from the third steep on.');

    api.posts.deleteComment(post.id, c1.id);
    await page.locator(`${card('oolong-notes')}[data-comment-count="1"]`).waitFor({ timeout: 5000 });
    t.same(await page.locator(`${card('oolong-notes')} [data-testid="post-comment-text"]`).allInnerTexts(), ['Muzha, I think.']);

    api.posts.deletePost('first-brew');
    await page.locator(card('first-brew')).waitFor({ state: 'detached', timeout: 5000 });
    t.pass('a deleted post goes');

    t.same(reads(/^\/api\/v1\/posts$/).length, 1, 'the page was not read again');
    t.same(reads(/^\/api\/v1\/posts\/[^/]+$/), [], 'no single post was read (a read counts a view)');
    t.same(dashboard.pageErrors, [], 'no errors in the page');
  });

  t.test('statistics: "computing…" while the API answers 202, then the figures; after an edit, computing again', async (t) => {
    const api = await withFakeApi(t, { statsDelayMs: 2500 });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    await page.locator(card('first-brew')).waitFor();
    api.posts.createPost({ id: 'counted', content: ',,,dwhuw dhuwhdihu wjfiej,,', author: 'alice' });
    const stats = page.locator(`${card('counted')} [data-testid="post-stats"]`);
    await stats.and(page.locator('[data-state="computing"]')).waitFor({ timeout: 5000 });
    t.equal(await stats.innerText(), 'computing…');
    await stats.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 10_000 });
    t.equal(await stats.innerText(), '3 words · 6.67 letters a word · 27 characters');

    api.posts.editPost('counted', { content: 'one two' });
    await stats.and(page.locator('[data-state="computing"]')).waitFor({ timeout: 5000 });
    await stats.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 10_000 });
    t.equal(await stats.innerText(), '2 words · 3.00 letters a word · 7 characters');
    const asked = api.apiRequests.filter((r) => r.path === '/api/v1/posts/counted/stats').length;
    t.ok(asked >= 4 && asked <= 10, `asked ${asked} times for two versions, after Retry-After each time`);
  });

  t.test('statistics the API does not have (404) show nothing', async (t) => {
    const api = await withFakeApi(t, { statsDelayMs: 'missing' });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    await page.locator(card('first-brew')).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="post-card"]').length === 2);
    const asked = () => api.apiRequests.filter((r) => /\/stats$/.test(r.path)).length;
    for (const deadline = Date.now() + 3000; asked() < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    t.equal(asked(), 2, 'asked once per post');
    t.equal(await page.locator('[data-testid="post-stats"]').count(), 0, 'nothing shown');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    t.equal(asked(), 2, 'and not asked again');
  });

  t.test('most commented first: a switch, and the order follows new comments', async (t) => {
    const api = await withFakeApi(t, { statsDelayMs: 0 });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const order = () => page.locator('[data-testid="post-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-post-id')));
    await page.locator(card('first-brew')).waitFor();
    const kettle = api.posts.posts.find((p) => p.title === 'Kettle notes')!;
    t.same(await order(), [kettle.id, 'first-brew'], 'recent: newest first');

    await page.locator('[data-testid="posts-panel"] button[data-sort="comments"]').click();
    await page.locator('[data-testid="posts-panel"][data-sort="comments"]').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="post-card"]')?.getAttribute('data-post-id') === 'first-brew');
    t.ok(api.apiRequests.some((r) => r.path === '/api/v1/posts' && r.search.get('sort') === 'comments'), 'the page of the most commented');
    t.same(await order(), ['first-brew', kettle.id], 'two comments before none');

    for (const text of ['one', 'two', 'three']) api.posts.addComment(kettle.id, text, 'alice');
    await page.waitForFunction((id) => document.querySelector('[data-testid="post-card"]')?.getAttribute('data-post-id') === id, kettle.id, { timeout: 5000 });
    t.same(await order(), [kettle.id, 'first-brew'], 'three comments move it up');
  });

  t.test('twenty-one event types: a filter row per group, a group switched at once, the chart by group', async (t) => {
    const api = await withFakeApi(t, { statsDelayMs: 0 });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const groups = await page.locator('[data-testid="event-filter-group"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-group'), r.querySelectorAll('.chip').length]));
    t.same(groups, [['Products', 5], ['Accounts', 2], ['Follows', 2], ['Blogs', 3], ['Posts', 7], ['Comments', 2]]);

    const post = api.posts.createPost({ id: 'filtered', content: 'A post', author: 'alice' });
    api.posts.addComment(post.id, 'A comment', 'admin');
    api.adjustStock('KETTLE-GOOSE-1L', -1, 'order #2');
    const types = () => page.locator('[data-testid="event-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    await page.locator('[data-testid="event-row"]').nth(2).waitFor({ timeout: 5000 });
    t.same(await types(), ['StockAdjusted', 'CommentAdded', 'PostCreated']);
    t.match(await page.locator('[data-testid="event-row"][data-type="CommentAdded"]').innerText(), /@admin on filtered · “A comment” · 1 comment/);

    await page.getByRole('button', { name: /^Posts: all 7 types/ }).click();
    t.same(await types(), ['StockAdjusted', 'CommentAdded'], 'the posts row switched off at once');
    await page.getByRole('button', { name: /^Comment added/ }).click();
    t.same(await types(), ['StockAdjusted']);

    await page.locator('[data-testid="event-rate-chart"] button', { hasText: 'By group' }).click();
    const legend = await page.locator('[data-testid="chart-legend"] [data-series]').evaluateAll((items) => items.map((i) => i.getAttribute('data-series')));
    t.same(legend, ['Products', 'Accounts', 'Follows', 'Blogs', 'Posts', 'Comments'], 'a series per group when stacked by group');
    t.same(dashboard.pageErrors, [], 'no errors in the page');
  });
});
