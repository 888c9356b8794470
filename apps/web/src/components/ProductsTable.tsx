import { useMemo, useState } from 'react';
import type { Product } from '../api/types.js';
import { formatCount, formatMoney, formatWhen } from '../format.js';

interface ProductsTableProps {
  products: Product[];
  loading: boolean;
  error: string | undefined;
}

function StockCell({ product }: { product: Product }) {
  const { stock, low_stock_threshold: threshold } = product;
  // The bar is full at twice the threshold, so "how close to low" reads at a glance.
  const fill = Math.min(1, stock / Math.max(1, threshold * 2));
  return (
    <div className="stock">
      <span className="stock-number">{formatCount(stock)}</span>
      <span className="stock-bar" aria-hidden="true">
        <span style={{ width: `${fill * 100}%` }} />
      </span>
      <span className="stock-threshold">min {formatCount(threshold)}</span>
    </div>
  );
}

/** Every product, newest first, low-stock rows highlighted. */
export function ProductsTable({ products, loading, error }: ProductsTableProps) {
  const [lowOnly, setLowOnly] = useState(false);
  const rows = useMemo(() => products.filter((p) => !lowOnly || p.low_stock).reverse(), [products, lowOnly]);
  const lowCount = useMemo(() => products.filter((p) => p.low_stock).length, [products]);

  return (
    <section className="panel panel--products" aria-labelledby="products-title">
      <div className="panel-head">
        <h2 id="products-title">Products</h2>
        <label className="toggle">
          <input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.target.checked)} />
          Low stock only ({lowCount})
        </label>
      </div>
      {error && <p className="error-note">Could not load products: {error}</p>}
      <div className="scroll">
        <table className="products">
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col">Stock</th>
              <th scope="col" className="num">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id} className={p.low_stock ? 'row-low' : undefined} data-testid="product-row" data-low-stock={p.low_stock}>
                <td className="mono sku">{p.sku}</td>
                <td>
                  {p.name}
                  {p.low_stock && <span className="low-tag">Low</span>}
                </td>
                <td className="num">{formatMoney(p.price)}</td>
                <td>
                  <StockCell product={p} />
                </td>
                <td className="num muted" title={p.updated_at}>
                  {formatWhen(p.updated_at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="empty">{loading ? 'Loading products…' : lowOnly ? 'Nothing is low on stock.' : 'No products yet.'}</p>}
      </div>
    </section>
  );
}
