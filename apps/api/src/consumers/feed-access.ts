import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEventLogClient } from '@herald/event-log';
import type { NotifierConfig } from '@herald/notifier';

/** The API's read access to the feed tables, on the DynamoDB that holds the event log. */
export interface FeedAccess {
  dynamodb: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * The feed tables at `endpoint` (the consumer thread's embedded DynamoDB, or the configured one),
 * or none when there is no endpoint to read: an API that runs no consumers on the embedded
 * defaults has no fan-out writing feeds, and serves the pulled part of a feed only.
 */
export function feedAccessAt(endpoint: string | undefined, config: NotifierConfig): FeedAccess | undefined {
  if (!endpoint) return undefined;
  const dynamodb = createEventLogClient({
    endpoint,
    region: config.dynamodb.region,
    // The embedded server takes any credentials; a configured one takes the configured ones.
    credentials: config.dynamodb.credentials ?? { accessKeyId: 'herald', secretAccessKey: 'herald-secret' },
  });
  return { dynamodb, close: async () => dynamodb.destroy() };
}
