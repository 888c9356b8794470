import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { resolveMaven } from './maven.js';
import { cacheDir } from './paths.js';
import { findFreePort } from './ports.js';
import { ManagedService, ownedTempDir } from './service.js';

/**
 * DynamoDB Local 3.1.0 under its current coordinates. (3.3.x needs artifacts
 * Maven Central does not serve; com.amazonaws:DynamoDBLocal is the 2.x name.)
 */
export const DYNAMODB_LOCAL_VERSION = '3.1.0';

/** Dummy credentials: DynamoDB Local checks the signature format, not the keys. */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'herald', secretAccessKey: 'herald-secret' };
export const DYNAMODB_LOCAL_REGION = 'us-east-1';

export interface DynamoDbLocalInstall {
  version: string;
  classpath: string;
  /** Folder holding the sqlite4java native library, passed as java.library.path. */
  nativeDir: string;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Default true. When false, tables are kept in dataDir across stop()/start(). */
  inMemory?: boolean;
  dataDir?: string;
  logFile?: string;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  port: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function ensureDynamoDbLocal(): Promise<DynamoDbLocalInstall> {
  const dir = cacheDir('dynamodb-local', DYNAMODB_LOCAL_VERSION);
  const { libDir, files } = await resolveMaven(dir, [
    { groupId: 'software.amazon.dynamodb', artifactId: 'DynamoDBLocal', version: DYNAMODB_LOCAL_VERSION },
  ]);
  // sqlite4java looks up its native library by name on java.library.path; the
  // Maven dependency copy already names it libsqlite4java-linux-amd64-<v>.so.
  const nativeDir = join(dir, 'native-libs');
  mkdirSync(nativeDir, { recursive: true });
  for (const file of files.filter((f) => /\.(so|dylib|dll)$/.test(f))) {
    if (!existsSync(join(nativeDir, file))) copyFileSync(join(libDir, file), join(nativeDir, file));
  }
  if (!readdirSync(nativeDir).some((f) => f.startsWith('libsqlite4java-linux-amd64'))) {
    throw new Error(`sqlite4java native library for linux-amd64 missing in ${libDir}`);
  }
  return { version: DYNAMODB_LOCAL_VERSION, classpath: join(libDir, '*'), nativeDir };
}

async function answersListTables(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: DYNAMODB_LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const install = await ensureDynamoDbLocal();
  const port = options.port ?? (await findFreePort());
  const inMemory = options.inMemory ?? true;
  const dataDir = options.dataDir ?? ownedTempDir('herald-dynamodb-');
  mkdirSync(dataDir, { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = options.logFile ?? join(dataDir, 'dynamodb-local.log');
  const service = new ManagedService({
    name: `DynamoDB Local ${DYNAMODB_LOCAL_VERSION} on ${endpoint}`,
    command: 'java',
    args: [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${install.nativeDir}`,
      '-cp',
      install.classpath,
      'software.amazon.dynamodb.services.local.main.ServerRunner',
      '-port',
      String(port),
      // One database for every access key and region, so tests and tools with
      // different dummy credentials see the same tables.
      '-sharedDb',
      '-disableTelemetry',
      ...(inMemory ? ['-inMemory'] : ['-dbPath', dataDir]),
    ],
    // DynamoDB Local resolves -dbPath and writes stray files relative to cwd.
    cwd: dataDir,
    logFile,
    probe: () => answersListTables(endpoint),
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  });
  await service.start();
  return {
    endpoint,
    port,
    region: DYNAMODB_LOCAL_REGION,
    credentials: DYNAMODB_LOCAL_CREDENTIALS,
    dataDir,
    logFile,
    stop: () => service.stop(),
    kill: () => service.kill(),
    start: () => service.start(),
  };
}
