-- Up Migration

-- Everything analytics keeps lives in its own schema, in the API's database but never touching
-- the API's tables: it is a read model rebuilt from events, and could move elsewhere unchanged.
CREATE SCHEMA IF NOT EXISTS analytics;

-- Inbox: one row per applied event, written in the same transaction as the event's effects, so
-- an event's effects are in the database exactly when its id is (at-least-once delivery becomes
-- exactly-once effects). `event_time` also answers "figures as of when".
CREATE TABLE analytics.processed_events (
  event_id     uuid PRIMARY KEY,
  event_type   text NOT NULL,
  event_time   timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_event_time_idx ON analytics.processed_events (event_time);

-- Events per type per minute of their `time` (UTC minute start).
CREATE TABLE analytics.event_counts (
  minute     timestamptz NOT NULL,
  event_type text NOT NULL,
  count      bigint NOT NULL CHECK (count > 0),
  PRIMARY KEY (minute, event_type)
);

-- Inventory read model, one row per product id. A row holds two independently versioned parts:
-- the details (sku, name, price, threshold) carried by ProductCreated/ProductUpdated snapshots,
-- and the stock carried by those snapshots and by StockAdjusted. Each part only moves forward
-- (a part is overwritten only by a higher version), so any delivery order of a product's events
-- ends in the state of its newest events. `deleted_version` is a tombstone: product ids are never
-- reused, so once deleted a product stays deleted and late events about it change nothing.
-- A row may exist before its details are known (a StockAdjusted that overtook its
-- ProductCreated); such rows are not counted until the details arrive.
CREATE TABLE analytics.inventory (
  product_id          uuid PRIMARY KEY,
  sku                 text,
  name                text,
  price_amount        bigint CHECK (price_amount >= 0),
  price_currency      char(3),
  low_stock_threshold integer CHECK (low_stock_threshold >= 0),
  details_version     integer NOT NULL DEFAULT 0,
  stock               integer CHECK (stock >= 0),
  stock_version       integer NOT NULL DEFAULT 0,
  deleted_version     integer,
  CONSTRAINT inventory_details_complete CHECK (
    details_version = 0
    OR (sku IS NOT NULL AND name IS NOT NULL AND price_amount IS NOT NULL
        AND price_currency IS NOT NULL AND low_stock_threshold IS NOT NULL)
  ),
  CONSTRAINT inventory_stock_complete CHECK (stock_version = 0 OR stock IS NOT NULL)
);
-- The rows the figures are computed from.
CREATE INDEX inventory_live_idx ON analytics.inventory (price_currency)
  WHERE deleted_version IS NULL AND details_version > 0;
-- Serves the low-stock list in sku order (byte order: skus are ASCII) without scanning healthy products.
CREATE INDEX inventory_low_stock_idx ON analytics.inventory (sku COLLATE "C", product_id)
  WHERE deleted_version IS NULL AND details_version > 0 AND stock <= low_stock_threshold;

-- Down Migration

DROP TABLE analytics.inventory;
DROP TABLE analytics.event_counts;
DROP TABLE analytics.processed_events;
