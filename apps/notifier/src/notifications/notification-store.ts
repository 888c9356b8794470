import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { EVENT_LOG_ERROR_CODES, EventLogError, isTransientEventLogError } from '@herald/event-log';

/** What a notification tells its user. A new kind is one more name here. */
export type NotificationType = 'followed' | 'commented' | 'comment_deleted' | 'image_rejected';

/** A notification to write: for whom, about what, caused by which event. */
export interface NotificationDraft {
  userId: string;
  type: NotificationType;
  /** Who did it. */
  actorId: string;
  /** What it is about (a post id), when anything. */
  subject?: string;
  /** Why, in words for the user, when the kind has a why (an image rejected). */
  reason?: string;
  /** The event's id and time: together they make the key, the same on every delivery. */
  eventId: string;
  createdAt: string;
}

/** A stored notification, as its user reads it. */
export interface StoredNotification {
  /** Stable and unique within the user's notifications: `<created_at>#<event id>`. */
  id: string;
  type: NotificationType;
  actorId: string;
  subject: string | undefined;
  reason: string | undefined;
  createdAt: string;
  read: boolean;
}

export interface NotificationPage {
  items: StoredNotification[];
  /** Continues after the last item; absent on the last page. */
  nextCursor: string | undefined;
}

export interface EnsureNotificationsTableOptions {
  attempts?: number;
  initialDelayMs?: number;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * The notifications table. Items: `pk` = `user#<id>`, `sk` = `<created_at>#<event id>` (the
 * notification id), and `inbox` = `u#<sk>` while unread, `r#<sk>` once read. The `by-inbox`
 * index (pk, inbox) read newest first gives every unread notification (`u` sorts after `r`),
 * newest first, then every read one, newest first: one query, and a cursor that is simply the
 * position of the last item in that order.
 */
export interface NotificationStore {
  readonly tableName: string;
  ensureTable(options?: EnsureNotificationsTableOptions): Promise<{ created: boolean }>;
  /** Writes it unless it is there already (a redelivery): true when written. Never resets `read`. */
  put(draft: NotificationDraft, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Unread first, then read, newest first within each. */
  list(userId: string, options: { limit: number; cursor?: string }): Promise<NotificationPage>;
  unreadCount(userId: string): Promise<number>;
  /** Marks these ids (or every unread one) read; ids of no notification of the user are ignored. Returns how many changed. */
  markRead(userId: string, which: { ids: readonly string[] } | { all: true }): Promise<number>;
}

export const NOTIFICATIONS_INDEX = 'by-inbox';
const UNREAD = 'u#';
const READ = 'r#';
const NOTIFICATION_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[A-Za-z0-9_.:-]{1,128}$/;

/** Thrown for a cursor this store did not hand out. */
export class InvalidNotificationCursorError extends Error {
  override name = 'InvalidNotificationCursorError';
}

const userKey = (userId: string) => `user#${userId}`;
const isMissingTable = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `id` has the shape of a notification id (for request validation). */
export const isNotificationId = (id: string): boolean => NOTIFICATION_ID.test(id);

/**
 * The cursor is the position's inbox key in a URL-safe form the API contract states exactly
 * (`NotificationCursor`): `u` or `r` (unread or read group), the time in ms and the event id.
 */
const CURSOR = /^([ur])\.(\d{1,13})\.([A-Za-z0-9_.:-]{1,128})$/;

function encodeCursor(inbox: string): string {
  const group = inbox.startsWith(READ) ? 'r' : 'u';
  const [createdAt, eventId] = inbox.slice(2).split('#') as [string, string];
  return `${group}.${Date.parse(createdAt)}.${eventId}`;
}

function decodeCursor(cursor: string): string {
  const match = CURSOR.exec(cursor);
  const sk = match ? `${new Date(Number(match[2])).toISOString()}#${match[3]}` : '';
  if (!match || !NOTIFICATION_ID.test(sk)) {
    throw new InvalidNotificationCursorError('the cursor is not one this listing returned');
  }
  return `${match[1] === 'r' ? READ : UNREAD}${sk}`;
}

function fromItem(item: Record<string, AttributeValue>): StoredNotification {
  return {
    id: item.sk!.S!,
    type: item.type!.S! as NotificationType,
    actorId: item.actor_id!.S!,
    subject: item.subject?.S,
    reason: item.reason?.S,
    createdAt: item.created_at!.S!,
    read: item.inbox!.S!.startsWith(READ),
  };
}

export function createNotificationStore(options: { client: DynamoDBClient; tableName: string }): NotificationStore {
  const { client, tableName } = options;

  async function markOne(pk: string, sk: string): Promise<boolean> {
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: { S: pk }, sk: { S: sk } },
          UpdateExpression: 'SET inbox = :read, read_at = :now',
          // Only an existing unread notification of this user: an unknown id creates nothing.
          ConditionExpression: 'inbox = :unread',
          ExpressionAttributeValues: {
            ':read': { S: READ + sk },
            ':unread': { S: UNREAD + sk },
            ':now': { S: new Date().toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function unreadKeys(pk: string): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: NOTIFICATIONS_INDEX,
          KeyConditionExpression: 'pk = :pk AND begins_with(inbox, :unread)',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':unread': { S: UNREAD } },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push(item.sk!.S!);
      start = page.LastEvaluatedKey;
    } while (start);
    return keys;
  }

  return {
    tableName,

    async ensureTable(ensureOptions = {}) {
      const attempts = Math.max(1, ensureOptions.attempts ?? 5);
      let delay = ensureOptions.initialDelayMs ?? 500;
      for (let attempt = 1; ; attempt++) {
        try {
          let created = false;
          try {
            await client.send(new DescribeTableCommand({ TableName: tableName }));
          } catch (error) {
            if (!isMissingTable(error)) throw error;
            try {
              await client.send(
                new CreateTableCommand({
                  TableName: tableName,
                  AttributeDefinitions: [
                    { AttributeName: 'pk', AttributeType: 'S' },
                    { AttributeName: 'sk', AttributeType: 'S' },
                    { AttributeName: 'inbox', AttributeType: 'S' },
                  ],
                  KeySchema: [
                    { AttributeName: 'pk', KeyType: 'HASH' },
                    { AttributeName: 'sk', KeyType: 'RANGE' },
                  ],
                  GlobalSecondaryIndexes: [
                    {
                      IndexName: NOTIFICATIONS_INDEX,
                      KeySchema: [
                        { AttributeName: 'pk', KeyType: 'HASH' },
                        { AttributeName: 'inbox', KeyType: 'RANGE' },
                      ],
                      Projection: { ProjectionType: 'ALL' },
                    },
                  ],
                  BillingMode: 'PAY_PER_REQUEST',
                }),
              );
              created = true;
            } catch (createError) {
              // Another process created it first.
              if ((createError as { name?: string }).name !== 'ResourceInUseException') throw createError;
            }
          }
          for (const deadline = Date.now() + 60_000; ; ) {
            const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
            const active =
              Table?.TableStatus === 'ACTIVE' &&
              (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE');
            if (active) break;
            if (Date.now() > deadline) {
              throw new EventLogError(EVENT_LOG_ERROR_CODES.badTable, `table ${tableName} did not become ACTIVE within 60 s`);
            }
            await sleep(100);
          }
          return { created };
        } catch (error) {
          if (!isTransientEventLogError(error) || attempt >= attempts) throw error;
          ensureOptions.onRetry?.(error, attempt, delay);
          await sleep(delay);
          delay = Math.min(delay * 2, 10_000);
        }
      }
    },

    async put(draft, putOptions = {}) {
      const sk = `${new Date(draft.createdAt).toISOString()}#${draft.eventId}`;
      const item: Record<string, AttributeValue> = {
        pk: { S: userKey(draft.userId) },
        sk: { S: sk },
        inbox: { S: UNREAD + sk },
        type: { S: draft.type },
        actor_id: { S: draft.actorId },
        created_at: { S: draft.createdAt },
        event_id: { S: draft.eventId },
      };
      if (draft.subject !== undefined) item.subject = { S: draft.subject };
      if (draft.reason !== undefined) item.reason = { S: draft.reason };
      try {
        await client.send(
          new PutItemCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(sk)' }),
          putOptions.signal ? { abortSignal: putOptions.signal } : {},
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async list(userId, { limit, cursor }) {
      const start = cursor === undefined ? undefined : decodeCursor(cursor);
      const items: StoredNotification[] = [];
      let exclusiveStart: Record<string, AttributeValue> | undefined = start
        ? { pk: { S: userKey(userId) }, sk: { S: start.slice(2) }, inbox: { S: start } }
        : undefined;
      try {
        // One more than asked: whether there is a next page is then known, not guessed.
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: NOTIFICATIONS_INDEX,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': { S: userKey(userId) } },
              ScanIndexForward: false,
              Limit: limit + 1 - items.length,
              ExclusiveStartKey: exclusiveStart,
            }),
          );
          items.push(...(page.Items ?? []).map(fromItem));
          exclusiveStart = page.LastEvaluatedKey;
        } while (exclusiveStart && items.length < limit + 1);
      } catch (error) {
        // Nothing was ever notified on this deployment yet.
        if (isMissingTable(error)) return { items: [], nextCursor: undefined };
        throw error;
      }
      const pageItems = items.slice(0, limit);
      const last = pageItems.at(-1);
      return {
        items: pageItems,
        nextCursor: items.length > limit && last ? encodeCursor((last.read ? READ : UNREAD) + last.id) : undefined,
      };
    },

    async unreadCount(userId) {
      let count = 0;
      let start: Record<string, AttributeValue> | undefined;
      try {
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: NOTIFICATIONS_INDEX,
              KeyConditionExpression: 'pk = :pk AND begins_with(inbox, :unread)',
              ExpressionAttributeValues: { ':pk': { S: userKey(userId) }, ':unread': { S: UNREAD } },
              Select: 'COUNT',
              ExclusiveStartKey: start,
            }),
          );
          count += page.Count ?? 0;
          start = page.LastEvaluatedKey;
        } while (start);
      } catch (error) {
        if (isMissingTable(error)) return 0;
        throw error;
      }
      return count;
    },

    async markRead(userId, which) {
      const pk = userKey(userId);
      let sks: string[];
      try {
        sks = 'all' in which ? await unreadKeys(pk) : [...new Set(which.ids)].filter(isNotificationId);
      } catch (error) {
        if (isMissingTable(error)) return 0;
        throw error;
      }
      let changed = 0;
      const queue = [...sks];
      const worker = async () => {
        for (let sk = queue.shift(); sk !== undefined; sk = queue.shift()) {
          try {
            if (await markOne(pk, sk)) changed++;
          } catch (error) {
            if (!isMissingTable(error)) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
      return changed;
    },
  };
}
