import { browserUnavailable, openDashboard } from '@herald/web/testing';
import t from 'tap';
import { dashboardUrls } from '../src/plugins/dashboard.js';
import { eventually, startTestHerald } from './helpers/herald.js';

const skip = browserUnavailable() ?? (dashboardUrls().size === 0 ? 'apps/web is not built (npm run build -w apps/web)' : undefined);

/** Markup that runs code wherever it is turned into HTML; each would set window.__xss. */
const payloads = {
  script: '<script>window.__xss=1</script>',
  onerror: '<img src=x onerror="window.__xss=1">',
  svg: '"><svg onload=window.__xss=1>',
  link: '<a href="javascript:window.__xss=1">click me</a> javascript:window.__xss=1',
  iframe: '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  style: '<style>body{display:none}</style><b style="color:red">bold</b>',
};

/** Records every Content-Security-Policy violation of the page from its first moment. */
const watchViolations = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
  });
`;

t.test('posts and comments written with markup show as text in the dashboard, and nothing of it runs', { skip }, async (t) => {
  const herald = await startTestHerald(t);
  const writer = await herald.signUp();
  const as = writer.accessToken;
  const write = async (method: string, url: string, body: unknown, status: number) => {
    const response = await herald.request({ method, url, body, as });
    t.equal(response.statusCode, status, `${method} ${url}`);
    return response.json();
  };

  // Written before the dashboard opens: it reads them from GET /api/v1/posts.
  await write('POST', '/api/v1/posts', { id: 'xss-before', title: payloads.script, content: payloads.onerror }, 201);
  await write('POST', '/api/v1/posts/xss-before/comments', { content: payloads.svg }, 201);
  await write('POST', '/api/v1/posts/xss-before/comments', { content: payloads.link }, 201);

  const dashboard = await openDashboard(herald.url, { handle: 'admin', password: herald.adminPassword }, { prepare: (page) => page.addInitScript(watchViolations) });
  t.teardown(() => dashboard.close());
  const { page } = dashboard;
  const cardSelector = (id: string) => `[data-testid="post-card"][data-post-id="${id}"]`;
  const card = (id: string) => page.locator(cardSelector(id));

  await card('xss-before').locator('[data-testid="post-comment"]').nth(1).waitFor({ timeout: 10_000 });

  // Written while it is open: it learns of them from the event stream.
  await write('POST', '/api/v1/posts', { id: 'xss-live', title: payloads.svg, content: payloads.link }, 201);
  await write('POST', '/api/v1/posts/xss-live/comments', { content: payloads.script }, 201);
  await write('POST', '/api/v1/posts/xss-live/comments', { content: payloads.onerror }, 201);
  await write('PATCH', '/api/v1/posts/xss-before', { content: payloads.iframe }, 200);
  await write('POST', '/api/v1/posts/xss-before/comments', { content: payloads.style }, 201);

  // Waits on what the view says of them, not on their text, so that a text shown wrongly fails below, saying how.
  await card('xss-live').locator('[data-testid="post-comment"]').nth(1).waitFor({ timeout: 10_000 });
  await page.locator(`${cardSelector('xss-before')}[data-version="2"][data-comment-count="3"]`).waitFor({ timeout: 10_000 });
  const eventTexts = () => page.locator('[data-testid="event-text"]').allTextContents();
  await eventually(async () => (await eventTexts()).length >= 5, 10_000, 50);

  t.test('the view shows each text as written', async (t) => {
    const text = (id: string, testId: string) => card(id).locator(`[data-testid="${testId}"]`).allInnerTexts();
    t.same(await text('xss-before', 'post-title'), [payloads.script], 'a title');
    t.same(await text('xss-before', 'post-content'), [payloads.iframe], 'a content, edited live');
    t.same(await text('xss-before', 'post-comment-text'), [payloads.style, payloads.link], 'comments, the newest two');
    t.same(await text('xss-live', 'post-title'), [payloads.svg]);
    t.same(await text('xss-live', 'post-content'), [payloads.link]);
    t.same(await text('xss-live', 'post-comment-text'), [payloads.onerror, payloads.script]);
    for (const testId of ['post-title', 'post-content', 'post-comment-text']) {
      const visible = await page.evaluate(`[...document.querySelectorAll('[data-testid="${testId}"]')].every((n) => n.getBoundingClientRect().height > 0)`);
      t.ok(visible, `every ${testId} is on screen`);
    }
    t.equal(await card('xss-before').getAttribute('data-comment-count'), '3');
  });

  t.test('the live event list shows them as text', async (t) => {
    const texts = await eventTexts();
    for (const [what, payload] of [
      ['the new post\'s title', payloads.svg],
      ['the edited post\'s title', payloads.script],
      ['a comment', payloads.onerror],
      ['another', payloads.style],
    ] as const) {
      t.ok(
        texts.some((line) => line.includes(payload)),
        `${what}: ${payload}`,
      );
    }
  });

  t.test('no markup of theirs became an element, and none of it ran', async (t) => {
    // Evaluated in the page (this workspace compiles without the DOM types).
    const found = (await page.evaluate(`({
      xss: window.__xss,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => el.tagName.toLowerCase() + ' ' + a.name),
      ),
      injected: [
        ...document.querySelectorAll(
          'iframe, img[src="x"], a[href^="javascript:" i], script:not([src]), style, :is([data-testid="posts-panel"], [data-testid="event-text"]) :is(a, b, img, svg)',
        ),
      ].map((el) => el.outerHTML),
      bodyShown: getComputedStyle(document.body).display !== 'none',
      violations: window.__cspViolations,
    })`)) as { xss: unknown; handlers: string[]; injected: string[]; bodyShown: boolean; violations: string[] };
    t.equal(found.xss, undefined, 'window.__xss was never set');
    t.same(found.handlers, [], 'no element has an on* attribute');
    t.same(found.injected, [], 'no script, style, image, frame, link or svg came from the texts');
    t.ok(found.bodyShown, 'an injected style did not apply');
    t.same(found.violations, [], 'no Content-Security-Policy violation (an inline handler or script would be one)');
    t.same(
      dashboard.pageErrors.filter((message) => /Content Security Policy|Refused to/i.test(message)),
      [],
      'and none logged',
    );
  });
});

t.test('a post\'s statistics in the dashboard: those the analytics consumer computed, and again after an edit', { skip }, async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  await herald.consumers;
  const writer = await herald.signUp();
  const dashboard = await openDashboard(herald.url, { handle: 'admin', password: herald.adminPassword });
  t.teardown(() => dashboard.close());
  const { page } = dashboard;
  const stats = page.locator('[data-testid="post-card"][data-post-id="counted"] [data-testid="post-stats"]');

  const created = await herald.request({ method: 'POST', url: '/api/v1/posts', as: writer.accessToken, body: { id: 'counted', content: ',,,dwhuw dhuwhdihu wjfiej,,' } });
  t.equal(created.statusCode, 201);
  await stats.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 15_000 });
  t.equal(await stats.innerText(), '3 words · 6.67 letters a word · 27 characters');

  const edited = await herald.request({ method: 'PATCH', url: '/api/v1/posts/counted', as: writer.accessToken, body: { content: "It's a well-known fact." } });
  t.equal(edited.statusCode, 200);
  await page.locator('[data-testid="post-card"][data-post-id="counted"][data-version="2"]').waitFor({ timeout: 10_000 });
  await stats.and(page.locator('[data-state="ready"]', { hasText: '4 words' })).waitFor({ timeout: 15_000 });
  t.equal(await stats.innerText(), '4 words · 4.75 letters a word · 23 characters', 'the figures of the edited version');
  t.same(
    dashboard.pageErrors.filter((message) => /Content Security Policy|Refused to/i.test(message)),
    [],
    'nothing refused by the CSP',
  );
});
