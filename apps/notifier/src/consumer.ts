import type { ConsumerDefinition } from '@herald/consumer-runtime';
import { isTransientEventLogError, type EventLog } from '@herald/event-log';
import { topics, type TopicKey } from '@herald/event-schemas';
import { logEvent } from './handlers/log-event.js';
import { loggedAtOf, logEvents } from './handlers/log-events.js';
import type { NotificationStore } from './notifications/notification-store.js';
import { notify } from './notifications/notify.js';

/** Consumer group (before the prefix) and dead-letter topic name of the notifier. */
export const NOTIFIER_CONSUMER_NAME = 'notifier';

/** The notifier reads every topic (keys; the runtime puts the deployment's prefix in front). */
export const NOTIFIER_TOPICS = Object.keys(topics) as TopicKey[];

/**
 * The notifier consumer: every event on every product topic goes into the event log, a fetched
 * batch at a time (BatchWriteItem), or one event at a time when the runtime falls back to single
 * events to isolate one that cannot be logged. Both write an event at the broker timestamp of its
 * record, so both write the same item for it (see loggedAtOf).
 *
 * With a notification store, the events that concern someone (a follow, a comment on their post)
 * also become notifications, after the batch is logged; both writes are idempotent, so a batch
 * delivered again writes nothing twice.
 *
 * DynamoDB being unreachable, slow or throttling is transient: the runtime pauses and retries the
 * same batch without committing it, so an outage delays logging but never skips an event.
 */
export function notifierConsumer(options: { eventLog: EventLog; notifications?: NotificationStore }): ConsumerDefinition {
  const { eventLog, notifications } = options;
  return {
    name: NOTIFIER_CONSUMER_NAME,
    topics: NOTIFIER_TOPICS,
    async handle(event, context) {
      const outcome = await logEvent(event, {
        eventLog,
        signal: context.signal,
        loggedAt: loggedAtOf(event, context.record),
      });
      if (outcome === 'duplicate') {
        context.log.debug({ eventId: event.id, eventType: event.type }, 'event already logged; nothing to do');
      }
      if (notifications) await notify([event], { notifications, signal: context.signal });
    },
    async handleBatch(events, context) {
      await logEvents(events, context.records, { eventLog, signal: context.signal });
      if (notifications) await notify(events, { notifications, signal: context.signal });
    },
    isTransient: isTransientEventLogError,
  };
}
