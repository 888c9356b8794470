/**
 * The yardstick: Fastify 5's hello world (`GET /` → `{"hello":"world"}`), no logging, no plugins,
 * in a process of its own like the API. What this machine serves at all over HTTP from Node, with
 * no validation, no database and no serialization worth the name.
 */
import Fastify from 'fastify';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0) throw new Error(`PORT must be a port number (got ${process.env.PORT})`);

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.get('/health/ready', async () => ({ status: 'ready' }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().finally(() => process.exit(0)));
}
await app.listen({ host: '127.0.0.1', port });
