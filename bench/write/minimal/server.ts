/**
 * The yardstick for Herald's write path: a minimal Fastify 5 + pg server that does to the database
 * what `POST /api/v1/products` does (a products row and its outbox rows, in one transaction) and
 * answers with the same JSON, and nothing else: no OpenAPI plugin, no metrics, no publisher, no
 * consumers, no logging. Reads (`GET /api/v1/products/:id`, `GET /api/v1/products`) likewise.
 *
 * WRITE_MODE=prepared: one named (hence prepared once per connection) statement per write.
 * WRITE_MODE=statements: BEGIN, INSERT product, INSERT outbox, COMMIT: four unnamed round trips.
 */
import Fastify, { type FastifyReply } from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { creationEvents, PRODUCTS_TOPIC, snapshot, type ProductRecord } from './events.js';
import {
  CREATE_PRODUCT_WITH_EVENTS,
  FIND_PRODUCT,
  INSERT_EVENTS,
  INSERT_PRODUCT,
  LIST_PRODUCTS,
  LIST_PRODUCTS_AFTER,
} from './sql.js';

interface Settings {
  databaseUrl: string;
  port: number;
  mode: 'prepared' | 'statements';
  poolMax: number;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const { DATABASE_URL, PORT, WRITE_MODE, DB_POOL_MAX = '10' } = env;
  if (!DATABASE_URL?.startsWith('postgres')) throw new Error('DATABASE_URL must be a postgres:// URL');
  if (WRITE_MODE !== 'prepared' && WRITE_MODE !== 'statements') throw new Error('WRITE_MODE must be prepared or statements');
  const port = Number(PORT);
  const poolMax = Number(DB_POOL_MAX);
  if (!Number.isInteger(port) || port < 0) throw new Error(`PORT must be a port number (got ${PORT})`);
  if (!Number.isInteger(poolMax) || poolMax < 1) throw new Error(`DB_POOL_MAX must be a positive integer (got ${DB_POOL_MAX})`);
  return { databaseUrl: DATABASE_URL, port, mode: WRITE_MODE, poolMax };
}

const settings = readSettings(process.env);
// price_amount is bigint; bounded to Number.MAX_SAFE_INTEGER by the contract, as in Herald.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);
const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.poolMax, application_name: 'bench-minimal' });

const UNIQUE_VIOLATION = '23505';
const text = (pattern: string, minLength: number, maxLength: number) => ({ type: 'string', pattern, minLength, maxLength });
const NO_NUL_OR_SURROGATE = '^[^\\u0000\\uD800-\\uDFFF]*$';
const stockLevel = { type: 'integer', minimum: 0, maximum: 2147483647 };
const money = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
};
/** ProductCreate from openapi.yaml (currency checked by shape, not against the ISO 4217 list). */
const productCreate = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'name', 'price', 'stock'],
  properties: {
    sku: text('^[A-Za-z0-9_-]{1,64}$', 1, 64),
    name: text(NO_NUL_OR_SURROGATE, 1, 200),
    description: { ...text(NO_NUL_OR_SURROGATE, 0, 2000), default: '' },
    price: money,
    stock: stockLevel,
    low_stock_threshold: { ...stockLevel, default: 10 },
  },
};
const product = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    sku: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    price: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } },
    stock: { type: 'integer' },
    low_stock_threshold: { type: 'integer' },
    low_stock: { type: 'boolean' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    version: { type: 'integer' },
  },
};
const uuidParam = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' };

type ProductCreate = {
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  stock: number;
  low_stock_threshold: number;
};

const toProduct = (row: ProductRecord) => ({ ...snapshot(row), low_stock: row.stock <= row.low_stock_threshold });

function problem(reply: FastifyReply, status: number, title: string, detail: string) {
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status, detail });
}

async function insertPrepared(values: unknown[], topic: string, events: ReturnType<typeof creationEvents>) {
  const { rows } = await pool.query<ProductRecord>({
    name: 'create-product',
    text: CREATE_PRODUCT_WITH_EVENTS,
    values: [...values, topic, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.payload)],
  });
  return rows[0]!;
}

async function insertInStatements(values: unknown[], topic: string, events: ReturnType<typeof creationEvents>) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<ProductRecord>(INSERT_PRODUCT, values);
    const row = rows[0]!;
    await client.query(INSERT_EVENTS, [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map(() => topic),
      events.map(() => row.id),
      events.map((e) => e.payload),
    ]);
    await client.query('COMMIT');
    return row;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const insert = settings.mode === 'prepared' ? insertPrepared : insertInStatements;
const app = Fastify({ logger: false });

app.post('/api/v1/products', { schema: { body: productCreate, response: { 201: product } } }, async (request, reply) => {
  const input = request.body as ProductCreate;
  const now = new Date();
  // The events carry the stored product, so its id and times are chosen here, before the insert.
  const record: ProductRecord = {
    id: uuidv7(),
    sku: input.sku,
    name: input.name,
    description: input.description,
    price_amount: input.price.amount,
    price_currency: input.price.currency,
    stock: input.stock,
    low_stock_threshold: input.low_stock_threshold,
    created_at: now,
    updated_at: now,
    version: 1,
  };
  const values = [
    record.id,
    record.sku,
    record.name,
    record.description,
    record.price_amount,
    record.price_currency,
    record.stock,
    record.low_stock_threshold,
    now,
  ];
  let row: ProductRecord;
  try {
    row = await insert(values, PRODUCTS_TOPIC, creationEvents(record));
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      return problem(reply, 409, 'Conflict', `sku ${input.sku} is already used by another product`);
    }
    throw error;
  }
  return reply
    .code(201)
    .header('etag', `"${row.version}"`)
    .header('location', `/api/v1/products/${row.id}`)
    .send(toProduct(row));
});

app.get('/api/v1/products/:id', { schema: { params: { type: 'object', properties: { id: uuidParam } }, response: { 200: product } } }, async (request, reply) => {
  const { id } = request.params as { id: string };
  const { rows } = await pool.query<ProductRecord>({ name: 'find-product', text: FIND_PRODUCT, values: [id] });
  const row = rows[0];
  if (!row) return problem(reply, 404, 'Not Found', `product ${id} does not exist`);
  return reply.header('etag', `"${row.version}"`).send(toProduct(row));
});

const UUID = new RegExp(uuidParam.pattern);

/** Cursors as Herald issues them: base64url of `{"after": <last id>}`; null when not one of those. */
function decodeCursor(cursor: string): string | null {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof after === 'string' && UUID.test(after) ? after : null;
  } catch {
    return null;
  }
}

const listQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor: { type: 'string', maxLength: 200 } },
};
const productPage = { type: 'object', properties: { items: { type: 'array', items: product }, next_cursor: { type: ['string', 'null'] } } };

app.get('/api/v1/products', { schema: { querystring: listQuery, response: { 200: productPage } } }, async (request, reply) => {
  const { limit, cursor } = request.query as { limit: number; cursor?: string };
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (after === null) return problem(reply, 400, 'Bad Request', 'cursor is not one this API issued');
  // One extra row says whether another page exists.
  const { rows } = after
    ? await pool.query<ProductRecord>({ name: 'list-products-after', text: LIST_PRODUCTS_AFTER, values: [after, limit + 1] })
    : await pool.query<ProductRecord>({ name: 'list-products', text: LIST_PRODUCTS, values: [limit + 1] });
  const page = rows.slice(0, limit);
  const next = rows.length > limit ? Buffer.from(JSON.stringify({ after: page[page.length - 1]!.id })).toString('base64url') : null;
  return reply.send({ items: page.map(toProduct), next_cursor: next });
});

app.get('/health/ready', async () => {
  await pool.query('SELECT 1');
  return { status: 'ok' };
});

const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await app.listen({ host: '127.0.0.1', port: settings.port });
