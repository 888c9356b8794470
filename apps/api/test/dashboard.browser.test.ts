import { browserUnavailable, runDashboardScenario } from '@herald/web/testing';
import t from 'tap';
import { dashboardUrls } from '../src/plugins/dashboard.js';
import { startTestHerald, validProduct } from './helpers/herald.js';

const skip = browserUnavailable() ?? (dashboardUrls().size === 0 ? 'apps/web is not built (npm run build -w apps/web)' : undefined);

t.test('the dashboard served by the API shows a low-stock notification within 2 s of the write', { skip }, async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  await herald.consumers;
  const result = await runDashboardScenario({
    baseUrl: herald.url,
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
