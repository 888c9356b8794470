import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createEventLogClient } from './client.js';
import { EVENT_LOG_ERROR_CODES, EventLogError } from './errors.js';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

export interface EmbeddedDynamoDbOptions {
  /** LevelDB folder; in memory when omitted. */
  path?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface EmbeddedDynamoDb {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * LevelDB lets one process open a folder. dynalite opens it in the background and, when that
 * fails, answers every request with "Database is closed" (or crashes on it); so the folder is
 * tried first, with the same LevelDB as dynalite's, to fail here with a message that says why.
 */
async function checkFolderFree(require: NodeJS.Require, path: string): Promise<void> {
  const { Level } = createRequire(require.resolve('dynalite'))('level') as { Level: new (path: string) => LevelDb };
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code !== 'LEVEL_LOCKED') throw error;
    throw new EventLogError(
      EVENT_LOG_ERROR_CODES.folderInUse,
      `the event log in ${path} is open in another process (a running Herald?); reach that process's server instead`,
      { cause: error },
    );
  }
  await db.close();
}

/**
 * dynalite (DynamoDB's API on LevelDB) in this process: the event log's store for tests and for
 * the embedded default. Loaded lazily so deployments against DynamoDB never load LevelDB.
 */
export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;
  if (options.path) {
    mkdirSync(options.path, { recursive: true });
    await checkFolderFree(require, options.path);
  }
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 20,
    deleteTableMs: 20,
    updateTableMs: 20,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const embedded: EmbeddedDynamoDb = {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      })),
  };
  if (options.path) {
    // dynalite opens its folder in the background; until it has, the folder looks free to the
    // next process that checks it. A first request waits for the open (LevelDB defers operations
    // until then), so the folder is held by this server once this function returns.
    const client = createEventLogClient({
      endpoint: embedded.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
    });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
    } catch (error) {
      await embedded.close().catch(() => {});
      throw new EventLogError(
        EVENT_LOG_ERROR_CODES.folderInUse,
        `the event log in ${options.path} could not be opened (is it open in another process, a running Herald?)`,
        { cause: error },
      );
    } finally {
      client.destroy();
    }
  }
  return embedded;
}
