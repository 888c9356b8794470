import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface EventLogClientOptions {
  /** e.g. `http://127.0.0.1:8000`; omit for AWS's regional endpoint. */
  endpoint?: string;
  region: string;
  /** Omit to use the AWS SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Tries per request inside the SDK. Default 2: callers (ensureTable, the consumer runtime) retry on top. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * A DynamoDB client with short timeouts, so "DynamoDB is down" surfaces within seconds as a
 * transient error instead of hanging a handler.
 */
export function createEventLogClient(options: EventLogClientOptions): DynamoDBClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 2_000,
      requestTimeout: options.requestTimeoutMs ?? 5_000,
    },
  });
  // The SDK's logger middleware copies every request and response through the schema's
  // sensitive-data filter to hand them to a logger that, unconfigured, drops them: a cost on every
  // batch of the event log's hot path for nothing. Errors still reach the caller as they are.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
