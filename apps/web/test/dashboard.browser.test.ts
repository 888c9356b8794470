import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { browserUnavailable, openDashboard, openSignInPage, runDashboardScenario, submitSignIn } from './dashboard-scenario.js';
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

/** Waits until `check` holds, polling; fails the wait after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

t.test('dashboard in a browser', { skip: skip ?? false }, async (t) => {
  t.test('a product created below its threshold shows a low-stock toast within 2 s', async (t) => {
    const api = await withFakeApi(t);
    const result = await runDashboardScenario({
      baseUrl: api.baseUrl,
      credentials: api.admin,
      async createLowStockProduct() {
        // A little traffic first, so the list and the chart have something to show.
        api.adjustStock('TEA-GREEN-100G', -12, 'order #4411');
        api.adjustStock('COF-ETH-500G', 24, 'delivery');
        api.adjustStock('GRINDER-HAND', -9, 'order #4412');
        api.createProduct({ sku: 'TEA-JASMINE-50G', name: 'Jasmine pearls 50 g', price: { amount: 1150, currency: 'EUR' }, stock: 3, low_stock_threshold: 10 });
        return { sku: 'TEA-JASMINE-50G' };
      },
    });
    t.match(result.toastText, /Jasmine pearls 50 g/, 'the toast names the product');
    t.match(result.toastText, /TEA-JASMINE-50G/, 'and its sku');
    t.match(result.toastText, /3 left/, 'and its stock');
    t.ok(result.toastLatencyMs < 2000, `toast after ${result.toastLatencyMs} ms`);
    t.ok(result.badgeCount >= 2, `the header badge counts the warnings (${result.badgeCount})`);
    t.equal(result.productRowHighlighted, true, 'the new product appears in the table, highlighted as low stock');
    t.ok(existsSync(result.screenshotPath), `screenshot saved to ${result.screenshotPath}`);
  });

  t.test('the products table holds every page of products, low-stock rows highlighted', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const rows = dashboard.page.locator('[data-testid="product-row"]');
    await dashboard.page.waitForFunction((n) => document.querySelectorAll('[data-testid="product-row"]').length === n, api.products.length);
    t.equal(await rows.count(), api.products.length, `all ${api.products.length} products over several pages of 5`);
    const lowRows = dashboard.page.locator('[data-testid="product-row"][data-low-stock="true"]');
    t.equal(await lowRows.count(), api.products.filter((p) => p.low_stock).length, 'each low-stock product is highlighted');
    t.same(dashboard.pageErrors, [], 'no errors in the page');
  });

  t.test('a burst of product events updates the table in place, with no list reload', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const rowCount = () => page.locator('[data-testid="product-row"]').count();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="product-row"]').length === n, api.products.length);
    const listReads = () => api.apiRequests.filter((r) => r.method === 'GET' && r.path === '/api/v1/products').length;
    const productReads = () => api.apiRequests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/products/')).map((r) => r.path);
    const readsAtStart = listReads();
    t.ok(readsAtStart >= 3, `the list was read once, page by page (${readsAtStart} pages)`);

    // A burst: adjustments, a rename, a new product, a deletion; then an adjustment of a product
    // whose creation the dashboard never saw (it must fetch that one product).
    for (let i = 0; i < 20; i++) api.adjustStock('FILTER-V60-100', -1, `order #${i}`);
    api.adjustStock('KETTLE-GOOSE-1L', -8, 'order #99');
    api.renameProduct('TEA-MATCHA-30G', 'Ceremonial matcha, 30 g tin');
    api.createProduct({ sku: 'CUP-TASTING', name: 'Tasting cup', price: { amount: 700, currency: 'EUR' }, stock: 50 });
    api.deleteProduct('SCALE-01G');
    const unseen = api.createProduct({ sku: 'DRIPPER-CLAY', name: 'Clay dripper', price: { amount: 3100, currency: 'EUR' }, stock: 9 }, { silently: true });
    api.adjustStock('DRIPPER-CLAY', -2, 'order #100');

    const row = (sku: string) => page.locator('[data-testid="product-row"]', { hasText: sku });
    await row('FILTER-V60-100').locator('.stock-number', { hasText: /^210$/ }).waitFor({ timeout: 5000 });
    await row('KETTLE-GOOSE-1L').and(page.locator('[data-low-stock="true"]')).waitFor({ timeout: 5000 });
    await row('TEA-MATCHA-30G').getByText('Ceremonial matcha, 30 g tin').waitFor({ timeout: 5000 });
    await row('CUP-TASTING').waitFor({ timeout: 5000 });
    await row('SCALE-01G').waitFor({ state: 'detached', timeout: 5000 });
    await row('DRIPPER-CLAY').locator('.stock-number', { hasText: /^7$/ }).waitFor({ timeout: 5000 });
    t.equal(await rowCount(), api.products.length, 'one row per product');

    await new Promise((resolve) => setTimeout(resolve, 1500)); // past any coalescing delay
    t.equal(listReads(), readsAtStart, 'the list was not read again');
    t.same(productReads(), [`/api/v1/products/${unseen.id}`], 'only the product the events could not describe was fetched');
    t.same(dashboard.pageErrors, [], 'no errors in the page');
  });

  t.test('consumer lag is shown per group', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const groups = dashboard.page.locator('[data-testid="consumer-lag-group"]');
    await groups.nth(1).waitFor({ timeout: 5000 });
    t.same(await groups.evaluateAll((els) => els.map((el) => el.getAttribute('data-group'))), ['notifier', 'analytics']);
    await dashboard.page.locator('[data-testid="consumer-lag-group"][data-group="analytics"]', { hasText: 'caught up' }).waitFor();

    const lagReads = () => api.apiRequests.filter((r) => r.path === '/api/v1/analytics/consumer-lag').length;
    const before = lagReads();
    api.setConsumerLag({ notifier: [0, 42, 0], analytics: [0, 0, 0] });
    api.adjustStock('TEA-GREEN-100G', -1, 'order');
    api.adjustStock('TEA-GREEN-100G', -1, 'order');
    await until(() => lagReads() > before, 5000, 'the lag read again after the events');
    const notifier = dashboard.page.locator('[data-testid="consumer-lag-group"][data-group="notifier"]');
    await notifier.and(dashboard.page.locator('[data-lag="42"]')).waitFor({ timeout: 5000 });
    t.match(await notifier.innerText(), /42 behind[\s\S]*p1\s*42/, 'the total and the partition it is on');
  });

  t.test('events can be filtered by type and expanded to their JSON', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.adjustStock('KETTLE-GOOSE-1L', -1, 'order #1');
    api.createProduct({ sku: 'CUP-TASTING', name: 'Tasting cup', price: { amount: 700, currency: 'EUR' }, stock: 50 });
    await page.locator('[data-testid="event-row"]').nth(1).waitFor();
    t.same(await page.locator('[data-testid="event-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type'))), ['ProductCreated', 'StockAdjusted'], 'newest first');

    await page.getByRole('button', { name: /^Product created/ }).click();
    t.same(await page.locator('[data-testid="event-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type'))), ['StockAdjusted'], 'a type switched off is hidden');

    await page.locator('[data-testid="event-row"] button').first().click();
    const json = await page.locator('.event-json').innerText();
    t.equal(JSON.parse(json).id, api.events.at(-2)!.id, 'clicking an event shows its CloudEvent');
  });

  t.test('after an overflow the dashboard resumes with last_event_id and misses nothing', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.adjustStock('TEA-EARL-250G', -2, 'before the overflow');
    const seenBefore = api.events.at(-1)!.id;
    await page.locator('[data-testid="event-row"]').first().waitFor();

    api.overflowStreams();
    api.adjustStock('TEA-EARL-250G', -3, 'while disconnected'); // no stream open: only a replay can deliver it
    await until(() => api.streamRequests.some((r) => r.url.searchParams.get('last_event_id') === seenBefore), 5000, 'a reconnect with last_event_id');
    await page.locator('[data-testid="event-row"]', { hasText: 'while disconnected' }).waitFor({ timeout: 5000 });
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
    t.equal(await page.locator('[data-testid="event-row"]').count(), 2, 'the missed event is replayed, none twice');
  });

  t.test('a dropped stream is resumed with a new ticket and last_event_id', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.adjustStock('FILTER-V60-100', -10, 'before the drop');
    const seenBefore = api.events.at(-1)!.id;
    await page.locator('[data-testid="event-row"]').first().waitFor();

    api.dropStreams();
    api.adjustStock('FILTER-V60-100', -1, 'while dropped'); // only a replay can deliver it
    await until(() => api.streamRequests.some((r) => r.admitted && r.url.searchParams.get('last_event_id') === seenBefore), 8000, 'a reconnect with last_event_id');
    await page.locator('[data-testid="event-row"]', { hasText: 'while dropped' }).waitFor({ timeout: 5000 });
    const tickets = api.streamRequests.map((r) => r.url.searchParams.get('ticket'));
    t.equal(new Set(tickets).size, tickets.length, 'a new ticket for each connection');
    t.ok(api.streamRequests.every((r) => r.admitted), 'every ticket accepted (none used twice)');
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
    api.adjustStock('FILTER-V60-100', -5, 'after the drop');
    await page.locator('[data-testid="event-row"]', { hasText: 'after the drop' }).waitFor({ timeout: 5000 });
    t.pass('live again after the drop');
  });

  t.test('while the stream is refused the indicator says so, and it recovers by itself', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.refuseStreams(true);
    api.dropStreams();
    await page.locator('[data-testid="connection-status"]:not([data-status="connected"])').waitFor({ timeout: 8000 });
    t.not(await page.locator('[data-testid="connection-status"]').getAttribute('data-status'), 'connected', 'not shown as connected');
    api.refuseStreams(false);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    t.pass('connected again');
  });

  t.test('a stream whose ticket is refused backs off instead of spinning', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.rejectTickets(true);
    const before = api.streamRequests.length;
    api.dropStreams();
    await page.locator('[data-testid="connection-status"]:not([data-status="connected"])').waitFor({ timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const attempts = api.streamRequests.length - before;
    t.ok(attempts >= 1 && attempts <= 4, `${attempts} attempts in 3 s, with growing delays`);
    api.rejectTickets(false);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 });
    t.pass('connected again once tickets are accepted');
  });

  t.test('signing in: a wrong password is refused with a message, then the dashboard shows who is signed in', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openSignInPage(api.baseUrl);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    t.match(await page.locator('[data-testid="sign-in-form"]').innerText(), /after a reload, you sign in\s+again/, 'the form says a reload means signing in again');
    t.equal(api.apiRequests.length, 0, 'nothing is read before signing in');

    await submitSignIn(page, { handle: api.admin.handle, password: 'not the right password' });
    const error = page.locator('[data-testid="sign-in-error"]');
    await error.waitFor();
    t.equal(await error.getAttribute('data-kind'), 'credentials');
    t.equal(await error.innerText(), 'Wrong handle or password.');
    t.equal(await page.locator('[data-testid="sign-in-form"]').getByLabel('Password').inputValue(), '', 'the password field is emptied');

    await submitSignIn(page, api.admin);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    const user = page.locator('[data-testid="signed-in-user"]');
    t.equal(await user.getAttribute('data-handle'), 'admin');
    t.equal(await user.getAttribute('data-role'), 'admin');
    t.match(await user.innerText(), /@admin\s*admin/, 'handle and role in the header');
    await page.locator('[data-testid="product-row"]').first().waitFor();
    t.ok(api.apiRequests.length > 0);
    t.ok(
      api.apiRequests.every((r) => r.authorization !== undefined && api.auth.principal(r.authorization)?.handle === 'admin'),
      'every API call carries the bearer token',
    );
    t.ok(api.streamRequests.length >= 1 && api.streamRequests.every((r) => r.admitted), 'the stream was opened with a ticket');
    t.notOk(api.streamRequests.some((r) => /access_token|Bearer|eyJ/.test(r.url.search)), 'no token in the stream URL');
  });

  t.test('the tokens are kept in memory only: not in localStorage, sessionStorage or a cookie, and a reload asks to sign in again', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const issued = api.auth.calls.filter((c) => c.path === '/api/v1/auth/token');
    t.equal(issued.length, 1);
    // A string, not a function: the test's compiler would wrap a named helper in a function the page does not have.
    const stored = await page.evaluate(`({
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
      cookie: document.cookie,
    })`);
    t.same(stored, { local: [], session: [], cookie: '' }, 'nothing stored by the page');
    const cookies = await page.context().cookies();
    t.same(cookies, [], 'no cookie either (HttpOnly ones included)');

    await page.reload();
    await page.locator('[data-testid="sign-in-form"]').waitFor();
    t.pass('after a reload, the sign-in form again');
  });

  t.test('signing out revokes the session, closes the stream and returns to the sign-in screen', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    await until(() => api.openStreams() === 1, 5000, 'the stream open');
    await page.locator('[data-testid="sign-out"]').click();
    await page.locator('[data-testid="sign-in-notice"][data-reason="signed-out"]').waitFor();
    await until(() => api.auth.loggedOut === 1, 5000, 'the logout call');
    const logout = api.auth.calls.find((c) => c.path === '/api/v1/auth/logout')!;
    t.match(logout.authorization, /^Bearer /, 'logout sent with the bearer token');
    t.match(logout.body, { refresh_token: String }, 'and the refresh token');
    t.equal(api.auth.liveRefreshTokens(), 0, 'no refresh token left valid');
    await until(() => api.openStreams() === 0, 5000, 'the stream closed');
    const requests = api.apiRequests.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    t.equal(api.apiRequests.length, requests, 'nothing is read once signed out');
  });

  t.test('too many sign-in attempts: the form says when to try again', async (t) => {
    const api = await withFakeApi(t, { maxFailedLogins: 2, retryAfterSeconds: 30 });
    const dashboard = await openSignInPage(api.baseUrl);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const error = page.locator('[data-testid="sign-in-error"]');
    for (let i = 0; i < 2; i++) {
      await submitSignIn(page, { handle: 'admin', password: `wrong password number ${i}` });
      await error.and(page.locator('[data-kind="credentials"]')).waitFor();
    }
    await submitSignIn(page, api.admin);
    await error.and(page.locator('[data-kind="rate-limited"]')).waitFor();
    t.match(await error.innerText(), /^Too many sign-in attempts\. Try again in (30|29) s \(at .+\)\.$/, 'the wait from Retry-After');
    t.equal(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), true, 'the button waits too');
  });

  t.test('the access token is refreshed before it expires, and the dashboard stays live', async (t) => {
    const api = await withFakeApi(t, { accessTtlSeconds: 2 });
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    const refreshes = () => api.auth.calls.filter((c) => c.path === '/api/v1/auth/refresh').length;
    await until(() => refreshes() >= 3, 8000, 'three refreshes (every 1.6 s)');
    t.same(api.auth.reusedRefreshTokens, [], 'each refresh token used once');
    api.adjustStock('TEA-GREEN-100G', -4, 'after the refreshes');
    await page.locator('[data-testid="event-row"]', { hasText: 'after the refreshes' }).waitFor({ timeout: 5000 });
    await until(() => api.apiRequests.some((r) => r.path === '/api/v1/analytics/inventory' && api.auth.principal(r.authorization)), 5000, 'a read after the event');
    t.equal(await page.locator('[data-testid="signed-in-user"]').count(), 1, 'still signed in');
    t.ok(api.apiRequests.every((r) => r.authorization !== undefined), 'no call went without a token');
  });

  t.test('a 401 on an API call refreshes the token and retries the call once', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    await page.locator('[data-testid="product-row"]').first().waitFor();
    const unseen = api.createProduct({ sku: 'DRIPPER-CLAY', name: 'Clay dripper', price: { amount: 3100, currency: 'EUR' }, stock: 9 }, { silently: true });
    api.auth.expireAccessTokens(); // the API no longer accepts the token the page holds
    api.adjustStock('DRIPPER-CLAY', -2, 'order #100'); // the page must fetch this product
    await page.locator('[data-testid="product-row"]', { hasText: 'DRIPPER-CLAY' }).waitFor({ timeout: 5000 });
    const reads = api.apiRequests.filter((r) => r.path === `/api/v1/products/${unseen.id}`);
    t.equal(reads.length, 2, 'refused once, then read with the new token');
    t.notSame(reads[0]!.authorization, reads[1]!.authorization);
    t.ok(api.auth.principal(reads[1]!.authorization), 'the retry carries a valid token');
    t.ok(api.auth.calls.filter((c) => c.path === '/api/v1/auth/refresh').length >= 1, 'after a refresh');
    t.same(api.auth.reusedRefreshTokens, [], 'one refresh for the calls refused together');
  });

  t.test('when the session cannot be refreshed, the sign-in form comes back and says why', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openDashboard(api.baseUrl, api.admin);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    api.auth.expireAccessTokens();
    api.auth.revokeRefreshTokens();
    api.adjustStock('TEA-GREEN-100G', -1, 'order'); // the page reads the figures again, and is refused
    await page.locator('[data-testid="sign-in-notice"][data-reason="expired"]').waitFor({ timeout: 10_000 });
    t.match(await page.locator('[data-testid="sign-in-notice"]').innerText(), /session has ended/);
    await submitSignIn(page, api.admin);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    t.pass('signed in again');
  });

  t.test('the dashboard runs under a strict Content-Security-Policy', async (t) => {
    const api = await withFakeApi(t);
    const dashboard = await openSignInPage(api.baseUrl);
    t.teardown(() => dashboard.close());
    const { page } = dashboard;
    // Listening from the first script on: the page is loaded again with the listener in place.
    await page.addInitScript(`
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    await page.reload();
    await page.locator('[data-testid="sign-in-form"]').waitFor();
    await submitSignIn(page, api.admin);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    api.createProduct({ sku: 'TEA-JASMINE-50G', name: 'Jasmine pearls 50 g', price: { amount: 1150, currency: 'EUR' }, stock: 3, low_stock_threshold: 10 });
    await page.locator('[data-testid="toast-low-stock"]').waitFor({ timeout: 5000 });
    await page.locator('[data-testid="event-row"] button').first().click();
    t.same(await page.evaluate('window.violations'), [], 'no violation reported');
    t.same(dashboard.pageErrors, [], 'no error in the page (a CSP violation logs one)');
  });
});
