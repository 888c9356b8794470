/**
 * The SQL of the minimal server, on Herald's own schema (its migrations create the tables). The
 * pgbench variant runs CREATE_PRODUCT_WITH_EVENTS too (see pgbench.ts), so both measure the
 * same statement.
 */

export const PRODUCT_COLUMNS =
  'id, sku, name, description, price_amount, price_currency, stock, low_stock_threshold, created_at, updated_at, version';

/**
 * One round trip: the product row and its outbox rows in a single statement, hence a single
 * implicit transaction. The outbox rows join on the inserted product, so there are none without
 * it, and a duplicate sku fails the whole statement.
 *
 * $1 id, $2 sku, $3 name, $4 description, $5 price amount, $6 currency, $7 stock,
 * $8 low-stock threshold, $9 created/updated time, $10 topic, $11 event ids, $12 event types,
 * $13 event payloads (whole CloudEvents).
 */
export const CREATE_PRODUCT_WITH_EVENTS = `WITH product AS (
  INSERT INTO products (id, sku, name, description, price_amount, price_currency, stock, low_stock_threshold, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
  RETURNING ${PRODUCT_COLUMNS}
), events AS (
  INSERT INTO outbox (event_id, event_type, topic, message_key, payload)
  SELECT event.id, event.type, $10, product.id::text, event.payload
  FROM product CROSS JOIN unnest($11::uuid[], $12::text[], $13::jsonb[]) AS event (id, type, payload)
)
SELECT ${PRODUCT_COLUMNS} FROM product`;

/** The same product row, for the four-statement form (BEGIN, this, INSERT_EVENTS, COMMIT). */
export const INSERT_PRODUCT = `INSERT INTO products (id, sku, name, description, price_amount, price_currency, stock, low_stock_threshold, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING ${PRODUCT_COLUMNS}`;

/** The outbox rows as Herald's outbox writer appends them. */
export const INSERT_EVENTS = `INSERT INTO outbox (event_id, event_type, topic, message_key, payload)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`;

export const FIND_PRODUCT = `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`;

/** First page and following pages as two statements, each with a plan of its own. */
export const LIST_PRODUCTS = `SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY id LIMIT $1`;
export const LIST_PRODUCTS_AFTER = `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id > $1 ORDER BY id LIMIT $2`;
