import t from 'tap';
import type { Product } from '../src/api/types.js';
import { createProductSync, type ProductSyncOptions } from '../src/state/product-sync.js';
import { productsOf } from '../src/state/product-table.js';
import { createFakeTimers } from './helpers/fake-timers.js';
import { product, productCreated, productUpdated, stockAdjusted } from './helpers/products.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A request the test answers when it chooses. */
interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

function setup(overrides: Partial<ProductSyncOptions> = {}) {
  const timers = createFakeTimers();
  const listRequests: Array<Pending<Product[]>> = [];
  const productRequests: Array<Pending<Product | undefined> & { id: string }> = [];
  const sync = createProductSync({
    fetchAll: () => new Promise((resolve, reject) => listRequests.push({ resolve, reject })),
    fetchOne: (id) => new Promise((resolve, reject) => productRequests.push({ id, resolve, reject })),
    onChange: () => {},
    timers,
    fetchDelayMs: 100,
    ...overrides,
  });
  const rows = () => productsOf(sync.state.table).map((p) => [p.id, p.stock, p.version]);
  return { sync, timers, listRequests, productRequests, rows };
}

t.test('the list is loaded once; a burst of events updates the table with no list request', async (t) => {
  const { sync, timers, listRequests, productRequests, rows } = setup();
  const a = product({ stock: 10 });
  const b = product({ stock: 20 });
  sync.reload();
  listRequests[0]!.resolve([a, b]);
  await settle();
  t.equal(sync.state.loading, false);

  const created = product();
  sync.apply([stockAdjusted(a, 10, 9, 2), stockAdjusted(b, 20, 15, 2), productCreated(created), stockAdjusted(a, 9, 6, 3)]);
  timers.advance(1000);
  await settle();
  t.same(rows(), [[a.id, 6, 3], [b.id, 15, 2], [created.id, created.stock, 1]]);
  t.equal(listRequests.length, 1, 'no list reload');
  t.equal(productRequests.length, 0, 'no product fetched: the events carried enough');
});

t.test('events that arrive while the list loads are applied on top of it', async (t) => {
  const { sync, listRequests, productRequests, timers, rows } = setup();
  const a = product({ stock: 10 });
  sync.reload();
  const created = product();
  // The list was read before these two events and answers after them.
  sync.apply([stockAdjusted(a, 10, 4, 2), productCreated(created)]);
  listRequests[0]!.resolve([a]);
  await settle();
  timers.advance(1000);
  t.same(rows(), [[a.id, 4, 2], [created.id, created.stock, 1]]);
  t.equal(productRequests.length, 0, 'the list brought the product the adjustment was about');
});

t.test('a product an event cannot bring up to date is fetched once per burst, and its answer shown', async (t) => {
  const { sync, timers, listRequests, productRequests, rows } = setup();
  sync.reload();
  listRequests[0]!.resolve([]);
  await settle();

  const unknown = product({ stock: 40, version: 3 });
  sync.apply([stockAdjusted(unknown, 50, 45, 2)]);
  sync.apply([stockAdjusted(unknown, 45, 40, 3)]);
  t.equal(productRequests.length, 0, 'not before the burst is over');
  timers.advance(100);
  t.same(productRequests.map((r) => r.id), [unknown.id], 'one request for the burst');
  productRequests[0]!.resolve(unknown);
  await settle();
  t.same(rows(), [[unknown.id, 40, 3]]);
  t.equal(listRequests.length, 1, 'no list reload');
});

t.test('an answer that left before a newer event does not overwrite it', async (t) => {
  const { sync, timers, listRequests, productRequests, rows } = setup();
  sync.reload();
  listRequests[0]!.resolve([]);
  await settle();
  const p = product({ stock: 30, version: 2 });
  sync.apply([stockAdjusted(p, 35, 30, 2)]);
  timers.advance(100);
  // While the fetch is under way, the product is renamed (a full snapshot, version 3).
  const renamed = { ...p, name: 'Renamed', stock: 30, version: 3 };
  sync.apply([productUpdated(p, renamed)]);
  productRequests[0]!.resolve(p);
  await settle();
  t.same(rows(), [[p.id, 30, 3]]);
  t.equal(sync.state.table.products.get(p.id)!.name, 'Renamed');
});

t.test('reload() reads the list again and keeps what events said since it started', async (t) => {
  const { sync, listRequests, rows } = setup();
  const a = product({ stock: 10 });
  const gone = product();
  sync.reload();
  listRequests[0]!.resolve([a, gone]);
  await settle();
  sync.reload();
  sync.apply([stockAdjusted(a, 10, 2, 2)]);
  listRequests[1]!.resolve([{ ...a }]); // read before the adjustment; `gone` was deleted meanwhile
  await settle();
  t.same(rows(), [[a.id, 2, 2]]);
});

t.test('a failed list load is reported; the table keeps what it had', async (t) => {
  const { sync, listRequests } = setup();
  sync.reload();
  listRequests[0]!.reject(new Error('GET /api/v1/products: 503'));
  await settle();
  t.equal(sync.state.loading, false);
  t.match(sync.state.error, /503/);
});

t.test('after stop, nothing is fetched or changed', async (t) => {
  let changes = 0;
  const { sync, timers, listRequests, productRequests } = setup({ onChange: () => void changes++ });
  sync.reload();
  listRequests[0]!.resolve([]);
  await settle();
  const before = changes;
  sync.apply([stockAdjusted(product(), 5, 4, 2)]);
  sync.stop();
  timers.advance(1000);
  sync.apply([productCreated(product())]);
  t.equal(productRequests.length, 0);
  t.equal(changes, before);
});
