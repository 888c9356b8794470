-- Up Migration

CREATE TABLE products (
  id                  uuid PRIMARY KEY,
  sku                 text NOT NULL,
  name                text NOT NULL,
  description         text NOT NULL DEFAULT '',
  price_amount        bigint NOT NULL CHECK (price_amount >= 0),
  price_currency      char(3) NOT NULL,
  stock               integer NOT NULL CHECK (stock >= 0),
  low_stock_threshold integer NOT NULL DEFAULT 10 CHECK (low_stock_threshold >= 0),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1,
  CONSTRAINT products_sku_key UNIQUE (sku)
);

-- Serves `GET /products?low_stock=true` without scanning healthy products.
CREATE INDEX products_low_stock_idx ON products (id) WHERE stock <= low_stock_threshold;

CREATE TABLE stock_adjustments (
  id           uuid PRIMARY KEY,
  product_id   uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  delta        integer NOT NULL CHECK (delta <> 0),
  reason       text NOT NULL,
  stock_before integer NOT NULL,
  stock_after  integer NOT NULL CHECK (stock_after >= 0),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_product_idx ON stock_adjustments (product_id, created_at);

-- Transactional outbox: rows are written in the same transaction as the change they describe and
-- relayed to the broker by the publisher worker. `position` gives the publish order; rows of one
-- aggregate are written under that aggregate's row lock, so their positions follow commit order.
CREATE TABLE outbox (
  position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  event_type   text NOT NULL,
  topic        text NOT NULL,
  message_key  text NOT NULL,
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  -- Set when a row can never be published (it fails its schema); kept for inspection, never retried.
  set_aside_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (position) WHERE published_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Down Migration

DROP TABLE outbox;
DROP TABLE stock_adjustments;
DROP TABLE products;
