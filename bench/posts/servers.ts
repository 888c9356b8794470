import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@herald/stack';
import { benchAuth, signIn } from '../auth.js';
import { HERALD_NODE_FLAGS, startNodeServer, type ServerProcess } from '../write/processes.js';

const HERALD_ENTRY = 'apps/api/src/main.ts';
const HELLO_ENTRY = new URL('./hello.ts', import.meta.url).pathname;

/**
 * Herald as `npm start` runs it (`apps/api/src/main.ts`, embedded broker, publisher worker), on
 * the loaded database, with its consumers out of the process (`IN_PROCESS_CONSUMERS=false`, as in
 * a deployment where the notifier and analytics run elsewhere): the API's own read and write
 * paths. Rate limits out of reach and an admin password of the run's own (`bench/auth.ts`).
 */
export async function startHerald(databaseUrl: string, logLevel: string, cpuProfileDir?: string, nodeFlags: string[] = []): Promise<ServerProcess & { adminPassword: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-bench-posts-api-'));
  await chmod(dataDir, 0o755);
  const port = await findFreePort();
  const auth = benchAuth();
  const server = await startNodeServer({
    label: 'herald',
    entry: HERALD_ENTRY,
    port,
    env: {
      ...auth.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: logLevel,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      IN_PROCESS_CONSUMERS: 'false',
      EMBEDDED_DYNAMODB_PORT: '0',
      EMBEDDED_S3_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    },
    readyPath: '/health/ready',
    nodeFlags: [...HERALD_NODE_FLAGS, ...nodeFlags, ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [])],
  }).catch(async (error) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...server,
    adminPassword: auth.adminPassword,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startHello(): Promise<ServerProcess> {
  const port = await findFreePort();
  return startNodeServer({ label: 'hello', entry: HELLO_ENTRY, port, env: { PORT: String(port) }, readyPath: '/health/ready' });
}

/**
 * Users who write the comments: registered through the API (`POST /api/v1/users`, a real password
 * hash) and signed in (`POST /api/v1/auth/token`). Returns their `Authorization` header values.
 */
export async function signUpWriters(baseUrl: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 1; i <= count; i++) {
    const handle = `bench_writer_${i}`;
    const password = randomBytes(18).toString('base64url');
    const response = await fetch(`${baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 201) throw new Error(`registering ${handle} failed: ${response.status} ${await response.text()}`);
    tokens.push(await signIn(baseUrl, password, handle));
  }
  return tokens;
}
