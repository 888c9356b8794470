import t from 'tap';
import {
  applyFetchedProduct,
  applyProductEvents,
  emptyTable,
  productsOf,
  tableFromList,
  type ProductTable,
} from '../src/state/product-table.js';
import { lowStockWarning, product, productCreated, productDeleted, productUpdated, stockAdjusted } from './helpers/products.js';

const rowOf = (table: ProductTable, id: string) => table.products.get(id);

t.test('a ProductCreated adds the product after the others, low stock worked out from its threshold', async (t) => {
  const first = product();
  const low = product({ stock: 3, low_stock_threshold: 5 });
  const { table, stale } = applyProductEvents(tableFromList([first]), [productCreated(low)]);
  t.same(productsOf(table).map((p) => p.id), [first.id, low.id]);
  t.equal(rowOf(table, low.id)!.low_stock, true);
  t.same(stale, [], 'nothing to fetch');
});

t.test('a ProductUpdated replaces the row with the snapshot it carries', async (t) => {
  const before = product({ name: 'Tea' });
  const after = { ...before, name: 'Sencha', version: 2, updated_at: '2026-01-01T11:00:00.000Z' };
  const { table, stale } = applyProductEvents(tableFromList([before]), [productUpdated(before, after)]);
  t.same(rowOf(table, before.id), after);
  t.same(stale, []);
});

t.test('a StockAdjusted sets the stock, the version and the low-stock flag without a fetch', async (t) => {
  const p = product({ stock: 12, low_stock_threshold: 10 });
  const time = new Date('2026-01-01T12:00:00.000Z');
  const { table, stale } = applyProductEvents(tableFromList([p]), [stockAdjusted(p, 12, 8, 2, time)]);
  t.same(rowOf(table, p.id), { ...p, stock: 8, version: 2, low_stock: true, updated_at: time.toISOString() });
  t.same(stale, []);
});

t.test('an event older than the row changes nothing', async (t) => {
  const v1 = product({ stock: 20 });
  const v3 = { ...v1, name: 'Newer', stock: 15, version: 3 };
  const list = tableFromList([v3]);
  const { table, stale } = applyProductEvents(list, [
    productCreated(v1),
    stockAdjusted(v1, 20, 17, 2),
    productUpdated(v1, { ...v1, name: 'Older', version: 3 }), // same version: already applied
  ]);
  t.equal(table, list, 'the same table: nothing to render');
  t.same(rowOf(table, v1.id), v3);
  t.same(stale, []);
});

t.test('events of one burst apply in order, each checked against the one before', async (t) => {
  const p = product({ stock: 10 });
  const { table } = applyProductEvents(tableFromList([p]), [stockAdjusted(p, 10, 9, 2), stockAdjusted(p, 9, 4, 3), stockAdjusted(p, 10, 9, 2)]);
  t.equal(rowOf(table, p.id)!.stock, 4);
  t.equal(rowOf(table, p.id)!.version, 3);
});

t.test('a StockAdjusted about a product the table does not hold asks for that product', async (t) => {
  const unknown = product();
  const { table, stale } = applyProductEvents(emptyTable, [stockAdjusted(unknown, 50, 40, 2), stockAdjusted(unknown, 40, 30, 3)]);
  t.same(stale, [unknown.id], 'once');
  t.equal(table.products.size, 0, 'no row made up from the stock alone');
});

t.test('a StockAdjusted that skips a version applies the stock and asks for the product', async (t) => {
  const p = product({ stock: 30, version: 1 });
  const { table, stale } = applyProductEvents(tableFromList([p]), [stockAdjusted(p, 30, 25, 3)]);
  t.equal(rowOf(table, p.id)!.stock, 25);
  t.same(stale, [p.id], 'version 2 was missed: its other fields may have changed');
});

t.test('a snapshot later in the burst settles what an earlier event asked for', async (t) => {
  const p = product({ version: 1 });
  const v3 = { ...p, name: 'Renamed', stock: 20, version: 3 };
  const { stale } = applyProductEvents(tableFromList([p]), [stockAdjusted(p, 50, 20, 3), productUpdated(p, { ...v3, version: 4 })]);
  t.same(stale, []);
});

t.test('a ProductDeleted removes the row, and nothing older brings it back', async (t) => {
  const p = product({ version: 2 });
  let { table } = applyProductEvents(tableFromList([p]), [productDeleted(p)]);
  t.equal(rowOf(table, p.id), undefined, 'removed');
  const later = applyProductEvents(table, [productUpdated(p, { ...p, version: 2 }), stockAdjusted(p, 50, 49, 2)]);
  t.equal(rowOf(later.table, p.id), undefined, 'an event replayed after the delete');
  t.same(later.stale, [], 'and nothing to fetch for it');
  table = applyFetchedProduct(table, p.id, p);
  t.equal(rowOf(table, p.id), undefined, 'an answer that left before the delete');
  t.equal(rowOf(tableFromList([p], table), p.id), undefined, 'a list that was read before the delete');
});

t.test('a list loaded while events flowed, with the events since its start applied on top, keeps the newest of each', async (t) => {
  const a = product({ stock: 10 });
  const b = product({ stock: 5 });
  const created = product();
  // The list was read before these events; they arrived while it loaded.
  const events = [stockAdjusted(a, 10, 7, 2), productCreated(created), productDeleted(b)];
  const { table, stale } = applyProductEvents(tableFromList([a, b]), events);
  t.same(productsOf(table).map((p) => [p.id, p.stock]), [[a.id, 7], [created.id, created.stock]]);
  t.same(stale, []);
});

t.test('an answer for one product is kept unless the row is newer; a 404 removes the row', async (t) => {
  const p = product({ stock: 10, version: 4 });
  const table = tableFromList([p]);
  t.equal(applyFetchedProduct(table, p.id, { ...p, stock: 99, version: 3 }), table, 'an older answer is dropped');
  t.equal(rowOf(applyFetchedProduct(table, p.id, { ...p, stock: 8, version: 5 }), p.id)!.stock, 8, 'a newer one is kept');
  const unknown = product();
  t.same(productsOf(applyFetchedProduct(table, unknown.id, unknown)).map((x) => x.id), [p.id, unknown.id], 'a product not yet held is added');
  const gone = applyFetchedProduct(table, p.id, undefined);
  t.equal(gone.products.size, 0, 'removed');
  t.ok(gone.deleted.has(p.id), 'and remembered as deleted');
});

t.test('a LowStockWarning asks for the product only when it tells of a change the table missed', async (t) => {
  const p = product({ stock: 3, low_stock_threshold: 5, version: 2 });
  t.same(applyProductEvents(tableFromList([p]), [lowStockWarning(p, 2)]).stale, [], 'in step with the row');
  t.same(applyProductEvents(tableFromList([p]), [lowStockWarning(p, 3)]).stale, [p.id], 'ahead of it');
});
