import { createEvent, type EventData, type HeraldEvent, type ProductUpdatedData } from '@herald/event-schemas';
import { pgErrorCode, type Pool, type PoolClient } from '../db/pool.js';
import { HttpProblem, notFound } from '../errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import type { components } from '../openapi/contract.generated.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ifMatchSatisfied } from '../lib/etag.js';
import { entersLowStock } from './low-stock.js';
import * as repository from './repository.js';
import type { ProductFields, ProductRow } from './repository.js';
import { toProduct, toSnapshot, toStockAdjustment, type Product, type StockAdjustment } from './representation.js';

type ProductCreate = components['schemas']['ProductCreate'];
type ProductUpdate = components['schemas']['ProductUpdate'];
type StockAdjustmentCreate = components['schemas']['StockAdjustmentCreate'];

/** Upper bound of a stock level, as declared by the StockLevel schema (PostgreSQL integer). */
const MAX_STOCK = 2_147_483_647;
/** Reason of the stock adjustment a PATCH of `stock` records when the client gives none. */
export const STOCK_SET_REASON = 'stock set by update';
const UNIQUE_VIOLATION = '23505';

export interface ProductServiceOptions {
  /** For reads; every write goes through `unitOfWork`. */
  pool: Pool;
  unitOfWork: UnitOfWork;
  eventSource: string;
}

export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

function duplicateSku(sku: string, cause: unknown) {
  return new HttpProblem(
    'HERALD_DUPLICATE_SKU',
    `sku ${sku} is already used by another product`,
    [{ in: 'body', field: 'sku', message: 'is already used by another product' }],
    { cause },
  );
}

function preconditionFailed(id: string, version: number) {
  return new HttpProblem(
    'HERALD_PRECONDITION_FAILED',
    `product ${id} is at version ${version}; If-Match does not match it`,
  );
}

/** Fields of a PATCH body whose values differ from the stored ones, in column form. */
function changedFields(row: ProductRow, update: ProductUpdate): Partial<ProductFields> {
  const requested: Partial<ProductFields> = {
    sku: update.sku,
    name: update.name,
    description: update.description,
    price_amount: update.price?.amount,
    price_currency: update.price?.currency,
    low_stock_threshold: update.low_stock_threshold,
  };
  return Object.fromEntries(
    Object.entries(requested).filter(([column, value]) => value !== undefined && value !== row[column as keyof ProductRow]),
  ) as Partial<ProductFields>;
}

type Changes = ProductUpdatedData['changes'];

/** The event's view of a change: API field names, and price as a whole. */
function describeChange(row: ProductRow, columns: Partial<ProductFields>): Changes {
  const changes: Record<string, unknown> = {};
  for (const column of Object.keys(columns)) {
    if (column === 'price_amount' || column === 'price_currency') {
      changes.price = { amount: row.price_amount, currency: row.price_currency };
    } else {
      changes[column] = row[column as keyof ProductRow];
    }
  }
  return changes as Changes;
}

/**
 * The products feature: each write runs in one transaction that also appends its events to the
 * outbox, so a change is never visible without its events or the other way round.
 */
export function createProductService(options: ProductServiceOptions) {
  const { pool, unitOfWork, eventSource } = options;

  const event = <T extends HeraldEvent['type']>(
    type: T,
    subject: string,
    time: Date,
    data: EventData<T>,
  ) => createEvent<T>({ type, subject, source: eventSource, time, data, id: uuidv7() });

  /** A transaction whose work returns its result and the events that describe it. */
  const write = <T>(work: (client: PoolClient) => Promise<[T, HeraldEvent[]]>) =>
    unitOfWork.run(async (client) => {
      const [result, events] = await work(client);
      return { result, events };
    });

  function lowStockWarning(row: ProductRow, cause: 'created' | 'updated' | 'stock_adjusted') {
    return event('LowStockWarning', row.id, row.updated_at, {
      product_id: row.id,
      sku: row.sku,
      name: row.name,
      stock: row.stock,
      low_stock_threshold: row.low_stock_threshold,
      cause,
      version: row.version,
    });
  }

  return {
    async create(input: ProductCreate): Promise<Product> {
      // Everything the row will hold is known before it is written, so its events are too: the
      // row and its events go to the database as one statement, in one round trip.
      const now = new Date();
      const row: ProductRow = {
        id: uuidv7(),
        sku: input.sku,
        name: input.name,
        description: input.description ?? '',
        price_amount: input.price.amount,
        price_currency: input.price.currency,
        stock: input.stock,
        low_stock_threshold: input.low_stock_threshold ?? 10,
        created_at: now,
        updated_at: now,
        version: 1,
      };
      const events: HeraldEvent[] = [event('ProductCreated', row.id, now, { product: toSnapshot(row) })];
      if (entersLowStock(undefined, row)) events.push(lowStockWarning(row, 'created'));
      try {
        await unitOfWork.writeOne(repository.insertProduct(row, events));
      } catch (error) {
        if (pgErrorCode(error) === UNIQUE_VIOLATION) throw duplicateSku(input.sku, error);
        throw error;
      }
      return toProduct(row);
    },

    async get(id: string): Promise<Product> {
      const row = await repository.findProduct(pool, id);
      if (!row) throw notFound('product', id);
      return toProduct(row);
    },

    async list(query: { limit?: number; cursor?: string; low_stock?: boolean }): Promise<ProductPage> {
      const limit = query.limit ?? 20;
      const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      // One extra row tells whether another page exists without a second query.
      const rows = await repository.listProducts(pool, { limit: limit + 1, afterId, lowStock: query.low_stock });
      const page = rows.slice(0, limit);
      return {
        items: page.map(toProduct),
        next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },

    async update(id: string, update: ProductUpdate, ifMatch: string | undefined): Promise<Product> {
      return write(async (client) => {
        const before = await repository.lockProduct(client, id);
        if (!before) throw notFound('product', id);
        if (!ifMatchSatisfied(ifMatch, before.version)) throw preconditionFailed(id, before.version);
        const columns = changedFields(before, update);
        // `stock` is an absolute level; a new one is a stock adjustment, published as StockAdjusted
        // only (ProductUpdated carries the other fields, and only when one of them changed).
        const stock = update.stock !== undefined && update.stock !== before.stock ? update.stock : undefined;
        const fieldsChanged = Object.keys(columns).length > 0;
        if (!fieldsChanged && stock === undefined) return [toProduct(before), []];
        let after: ProductRow;
        try {
          after = await repository.updateProductFields(client, id, stock === undefined ? columns : { ...columns, stock });
        } catch (error) {
          if (pgErrorCode(error) === UNIQUE_VIOLATION) throw duplicateSku(update.sku ?? before.sku, error);
          throw error;
        }
        const events: HeraldEvent[] = [];
        if (fieldsChanged) {
          events.push(
            event('ProductUpdated', id, after.updated_at, {
              product_id: id,
              version: after.version,
              changes: describeChange(after, columns),
              previous: describeChange(before, columns),
              product: toSnapshot(after),
            }),
          );
        }
        if (stock !== undefined) {
          const adjustment = {
            id: uuidv7(),
            product_id: id,
            delta: after.stock - before.stock,
            reason: update.stock_reason ?? STOCK_SET_REASON,
            stock_before: before.stock,
            stock_after: after.stock,
            created_at: after.updated_at,
          };
          await repository.insertStockAdjustment(client, adjustment);
          events.push(
            event('StockAdjusted', id, after.updated_at, {
              product_id: id,
              adjustment_id: adjustment.id,
              delta: adjustment.delta,
              reason: adjustment.reason,
              stock_before: adjustment.stock_before,
              stock_after: adjustment.stock_after,
              version: after.version,
            }),
          );
        }
        if (entersLowStock(before, after)) events.push(lowStockWarning(after, 'updated'));
        return [toProduct(after), events];
      });
    },

    async remove(id: string, ifMatch: string | undefined): Promise<void> {
      await write(async (client) => {
        const row = await repository.lockProduct(client, id);
        if (!row) throw notFound('product', id);
        if (!ifMatchSatisfied(ifMatch, row.version)) throw preconditionFailed(id, row.version);
        await repository.deleteProduct(client, id);
        const deletedAt = new Date();
        return [
          undefined,
          [event('ProductDeleted', id, deletedAt, { product_id: id, sku: row.sku, version: row.version, deleted_at: deletedAt.toISOString() })],
        ];
      });
    },

    /**
     * Applies a delta. With a client-chosen `id` a retry is safe: an adjustment already recorded
     * under that id is answered again (`created: false`, nothing applied twice) when it is the
     * same adjustment of the same product, and is a 409 otherwise.
     */
    async adjustStock(id: string, input: StockAdjustmentCreate): Promise<{ adjustment: StockAdjustment; created: boolean }> {
      const earlier = await recordedAdjustment(id, input);
      if (earlier) return { adjustment: earlier, created: false };
      try {
        return { adjustment: await applyAdjustment(id, input), created: true };
      } catch (error) {
        // A request with the same id committed between the look-up above and this one's insert.
        if (!(error instanceof HttpProblem && error.code === 'HERALD_DUPLICATE_ADJUSTMENT_ID')) throw error;
        const concurrent = await recordedAdjustment(id, input);
        if (concurrent) return { adjustment: concurrent, created: false };
        throw error;
      }
    },
  };

  function adjustmentIdTaken(adjustmentId: string) {
    return new HttpProblem('HERALD_DUPLICATE_ADJUSTMENT_ID', `a different stock adjustment with the id ${adjustmentId} exists`, [
      { in: 'body', field: 'id', message: 'is taken by a different stock adjustment' },
    ]);
  }

  /** The adjustment recorded under the request's id, if it is this very adjustment; a 409 if it is another. */
  async function recordedAdjustment(productId: string, input: StockAdjustmentCreate): Promise<StockAdjustment | undefined> {
    if (input.id === undefined) return undefined;
    const row = await repository.findStockAdjustment(pool, input.id);
    if (!row) return undefined;
    if (row.product_id !== productId || row.delta !== input.delta || row.reason !== input.reason) throw adjustmentIdTaken(input.id);
    // Adjustments go with their product, so it is there unless deleted this very moment.
    const product = await repository.findProduct(pool, productId);
    if (!product) throw notFound('product', productId);
    return toStockAdjustment(row, product);
  }

  function applyAdjustment(id: string, input: StockAdjustmentCreate): Promise<StockAdjustment> {
    return write(async (client) => {
      const after = await repository.applyStockDelta(client, id, input.delta, MAX_STOCK);
      if (!after) {
        const current = await repository.findProduct(client, id);
        if (!current) throw notFound('product', id);
        if (current.stock + input.delta < 0) {
          throw new HttpProblem(
            'HERALD_INSUFFICIENT_STOCK',
            `product ${id} has ${current.stock} in stock; cannot remove ${-input.delta}`,
            [{ in: 'body', field: 'delta', message: `exceeds the available stock of ${current.stock}` }],
          );
        }
        throw new HttpProblem(
          'HERALD_STOCK_LIMIT',
          `stock of product ${id} would exceed ${MAX_STOCK}`,
          [{ in: 'body', field: 'delta', message: `would take stock above ${MAX_STOCK}` }],
        );
      }
      const adjustment = {
        id: input.id ?? uuidv7(),
        product_id: id,
        delta: input.delta,
        reason: input.reason,
        stock_before: after.stock_before,
        stock_after: after.stock,
        created_at: after.updated_at,
      };
      // Taken: thrown, so the transaction rolls the delta back.
      if (!(await repository.insertStockAdjustment(client, adjustment))) throw adjustmentIdTaken(adjustment.id);
      const before = { stock: after.stock_before, low_stock_threshold: after.low_stock_threshold };
      const events: HeraldEvent[] = [
        event('StockAdjusted', id, after.updated_at, {
          product_id: id,
          adjustment_id: adjustment.id,
          delta: input.delta,
          reason: input.reason,
          stock_before: after.stock_before,
          stock_after: after.stock,
          version: after.version,
        }),
      ];
      if (entersLowStock(before, after)) events.push(lowStockWarning(after, 'stock_adjusted'));
      return [toStockAdjustment(adjustment, after), events];
    });
  }
}

export type ProductService = ReturnType<typeof createProductService>;
