import { browserUnavailable, openDashboard, openSignInPage, runDashboardScenario, submitSignIn } from '@herald/web/testing';
import t from 'tap';
import { dashboardUrls } from '../src/plugins/dashboard.js';
import { startTestHerald, validProduct } from './helpers/herald.js';

const skip = browserUnavailable() ?? (dashboardUrls().size === 0 ? 'apps/web is not built (npm run build -w apps/web)' : undefined);

t.test('the dashboard served by the API: once signed in, a low-stock notification within 2 s of the write', { skip }, async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  await herald.consumers;
  const result = await runDashboardScenario({
    baseUrl: herald.url,
    credentials: { handle: 'admin', password: herald.adminPassword },
    screenshotPath: 'test-artifacts/dashboard-live-low-stock.png',
    async createLowStockProduct() {
      const product = validProduct({ name: 'Matcha, ceremonial', stock: 2, low_stock_threshold: 5 });
      const response = await herald.request({ method: 'POST', url: '/api/v1/products', body: product });
      t.equal(response.statusCode, 201);
      return { sku: product.sku as string };
    },
  });
  t.ok(result.toastLatencyMs <= 2000, `toast visible after ${result.toastLatencyMs} ms`);
  t.match(result.toastText, /Matcha/);
  t.ok(result.badgeCount >= 1, 'the badge counts the warning');
  t.equal(result.productRowHighlighted, true, 'the product row is highlighted as low stock');
  t.comment(`screenshot: ${result.screenshotPath}`);
});

t.test('signing in to the dashboard served by the API', { skip }, async (t) => {
  const herald = await startTestHerald(t);
  const admin = { handle: 'admin', password: herald.adminPassword };

  t.test('a wrong password is refused with a message', async (t) => {
    const dashboard = await openSignInPage(herald.url);
    t.teardown(() => dashboard.close());
    await submitSignIn(dashboard.page, { handle: 'admin', password: `${herald.adminPassword}-not` });
    const error = dashboard.page.locator('[data-testid="sign-in-error"]');
    await error.waitFor({ timeout: 10_000 });
    t.equal(await error.getAttribute('data-kind'), 'credentials');
    t.equal(await error.innerText(), 'Wrong handle or password.');
    t.equal(await dashboard.page.locator('[data-testid="signed-in-user"]').count(), 0, 'not signed in');
  });

  t.test('signed in: every API call carries the token, which is kept out of the browser\'s storage; signing out revokes it', async (t) => {
    const dashboard = await openSignInPage(herald.url);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const apiCalls: { method: string; path: string; search: URLSearchParams; authorization: string | undefined }[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/api/')) return;
      void request.allHeaders().then((headers) => apiCalls.push({ method: request.method(), path: url.pathname, search: url.searchParams, authorization: headers.authorization }));
    });
    const tokenAnswer = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/auth/token');
    await submitSignIn(page, admin);
    const tokens = (await (await tokenAnswer).json()) as { access_token: string; refresh_token: string };
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    const user = page.locator('[data-testid="signed-in-user"]');
    t.equal(await user.getAttribute('data-handle'), 'admin', 'the header shows who is signed in');
    t.equal(await user.getAttribute('data-role'), 'admin', 'and as what');
    const expected = ['/api/v1/me', '/api/v1/products', '/api/v1/analytics/consumer-lag', '/api/v1/events/stream-tickets'];
    for (const deadline = Date.now() + 5000; Date.now() < deadline && !expected.every((path) => apiCalls.some((call) => call.path === path)); ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const stored = await page.evaluate(`({
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
      cookie: document.cookie,
    })`);
    t.same(stored, { local: [], session: [], cookie: '' }, 'nothing in localStorage, sessionStorage or document.cookie');
    t.same(await page.context().cookies(), [], 'no cookie at all');
    const html = await page.content();
    t.notOk(html.includes(tokens.access_token) || html.includes(tokens.refresh_token), 'no token in the page');

    const open = new Set(['/api/v1/auth/token', '/api/v1/auth/refresh', '/api/v1/events/stream']);
    const reads = apiCalls.filter((call) => !open.has(call.path));
    t.ok(reads.length >= 3, `${reads.length} API calls made`);
    t.same(
      reads.filter((call) => call.authorization !== `Bearer ${tokens.access_token}`).map((call) => `${call.method} ${call.path}`),
      [],
      'each with the bearer token',
    );
    const streams = apiCalls.filter((call) => call.path === '/api/v1/events/stream');
    t.ok(streams.length >= 1, 'the stream was opened');
    t.ok(streams.every((call) => call.authorization === undefined && call.search.has('ticket')), 'by ticket (EventSource sends no header)');

    const logoutAnswer = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/auth/logout');
    await page.locator('[data-testid="sign-out"]').click();
    await page.locator('[data-testid="sign-in-form"]').waitFor();
    t.equal((await logoutAnswer).status(), 204, 'signed out on the server');
    const refresh = await herald.request({ method: 'POST', url: '/api/v1/auth/refresh', as: 'anonymous', body: { refresh_token: tokens.refresh_token } });
    t.equal(refresh.statusCode, 401, 'the refresh token no longer works');
    t.same(
      dashboard.pageErrors.filter((message) => /Content Security Policy/i.test(message)),
      [],
      'nothing refused by the API\'s Content-Security-Policy',
    );
  });

  t.test('signing in again after a reload', async (t) => {
    const dashboard = await openDashboard(herald.url, admin);
    t.teardown(() => dashboard.close());
    await dashboard.page.reload();
    await dashboard.page.locator('[data-testid="sign-in-form"]').waitFor();
    t.pass('the sign-in form after a reload');
  });
});
