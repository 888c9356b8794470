import { resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { TransportError } from '../errors.js';
import type { EmbeddedTransportDescriptor } from '../descriptor.js';
import { silentLogger } from '../internal/silent-logger.js';
import { assertMessages, assertPartitionCount, assertTopicName } from '../internal/validate.js';
import { createWakeup } from '../internal/wakeup.js';
import type {
  ConsumerOptions,
  EventConsumer,
  EventProducer,
  EventTransport,
  OutgoingMessage,
  PartitionLag,
  TransportLogger,
} from '../types.js';
import { createEmbeddedConsumer, type EmbeddedConsumer } from './embedded-consumer.js';
import { createGroupCoordinator, type GroupCoordinator } from './group-coordinator.js';
import { partitionForKey } from './murmur2.js';
import { openOffsetStore, type OffsetStore } from './offset-store.js';
import { createPartitionLog, readPartitionFile, type PartitionLog } from './partition-log.js';
import { createMemoryJournal, openRecordJournal, type RecordJournal } from './record-journal.js';
import { createStorage } from './storage.js';
import { serveTransportPort } from './transport-port.js';

export interface EmbeddedBrokerOptions {
  /** Keeps topics, records and committed offsets across restarts; memory only when absent. */
  dataDir?: string;
  logger?: TransportLogger;
  /**
   * fdatasync every write of the record journal before acknowledging it (survives power loss and
   * OS crashes, not just a crash of the process). Default false.
   */
  fsync?: boolean;
}

/**
 * An in-process broker with the Kafka semantics Herald relies on: topics of N partitions, a key
 * always lands on the same partition (Kafka's murmur2 partitioner), per-partition append-only
 * logs with offsets, consumer groups that each see every record and share partitions among their
 * members, offsets committed after the handler resolved, and redelivery (never skipping) after a
 * rejection. Consumers are pushed records as they are appended.
 */
export interface EmbeddedBroker extends EventTransport {
  readonly kind: 'embedded';
  readonly dataDir: string | undefined;
  /** False while an outage is being played (see setAvailable). */
  readonly available: boolean;
  /**
   * Opens a channel through which a worker thread uses this broker: transfer the returned port to
   * the worker (`workerData` + `transferList`) and wrap it there with connectEmbeddedTransport()
   * (or connectEmbeddedProducer() for a producer only). One port per worker. When the worker
   * ends, its consumers leave their groups.
   */
  openTransportPort(): MessagePort;
  /** The same as openTransportPort(), under the name it had when ports carried sends only. */
  openProducerPort(): MessagePort;
  /** openTransportPort() packaged as a descriptor for createTransportFromDescriptor(). */
  transportDescriptor(): EmbeddedTransportDescriptor;
  /** The same descriptor, for createProducerFromDescriptor(). */
  producerDescriptor(): EmbeddedTransportDescriptor;
  /**
   * The embedded stand-in for a broker outage, for tests of what happens around one: while
   * unavailable, sends (local or through a port), connects, ensureTopics and consumerLag reject
   * with ERR_TRANSPORT_UNAVAILABLE and consumers are handed nothing new. Back to true, everything
   * resumes where it stopped; nothing is lost, as with a Kafka broker that restarts.
   */
  setAvailable(available: boolean): void;
}

/**
 * Data directories held by open brokers of this process. Two brokers appending to the same logs
 * would interleave their records and corrupt both; refusing the second one says so at once.
 * (Two processes sharing a dataDir are just as wrong, but cannot be detected as reliably.)
 */
const dataDirsInUse = new Set<string>();

export function createEmbeddedBroker(options: EmbeddedBrokerOptions = {}): EmbeddedBroker {
  const logger = options.logger ?? silentLogger;
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) {
    if (dataDirsInUse.has(dataDir)) {
      throw new TransportError(
        'ERR_TRANSPORT_STORAGE_FAILED',
        `${dataDir} is already used by an open embedded broker of this process; close() it first`,
      );
    }
    dataDirsInUse.add(dataDir);
  }
  const storage = dataDir === undefined ? undefined : createStorage(dataDir);
  const topics = new Map<string, PartitionLog[]>();
  const availabilityChanged = createWakeup();
  const ports = new Set<MessagePort>();
  const runningConsumers = new Set<EventConsumer>();
  let available = true;
  let closed = false;
  let nextMemberId = 1;
  let adminQueue: Promise<unknown> = Promise.resolve();
  let offsets: OffsetStore | undefined;
  let journal: RecordJournal | undefined;
  let coordinator: GroupCoordinator | undefined;

  async function openLogs(topic: string, partitions: number): Promise<PartitionLog[]> {
    return Promise.all(
      Array.from({ length: partitions }, async (_, partition) => {
        const log = createPartitionLog(topic, partition);
        if (storage) log.push(await readPartitionFile(storage.partitionFile(topic, partition)));
        return log;
      }),
    );
  }

  const ready = (async () => {
    for (const topic of (await storage?.listTopics()) ?? []) {
      topics.set(topic.name, await openLogs(topic.name, topic.partitions));
    }
    journal = storage
      ? await openRecordJournal({
          file: storage.journalFile,
          fsync: options.fsync ?? false,
          logOf: (topic, partition) => topics.get(topic)?.[partition],
        })
      : createMemoryJournal();
    offsets = await openOffsetStore(storage);
    coordinator = createGroupCoordinator({
      partitionsOf: (topic) => topics.get(topic) ?? [],
      offsets,
      isAvailable: () => available,
      availabilityChanged,
      logger,
    });
  })();
  ready.catch(() => {}); // reported by the first operation, which awaits it

  async function usable(): Promise<{ offsets: OffsetStore; coordinator: GroupCoordinator }> {
    await ready;
    if (closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded broker is closed');
    return { offsets: offsets!, coordinator: coordinator! };
  }

  function assertAvailable(): void {
    if (!available) {
      throw new TransportError('ERR_TRANSPORT_UNAVAILABLE', 'The embedded broker is unavailable (setAvailable(false))');
    }
  }

  function logsOf(topic: string): PartitionLog[] {
    const logs = topics.get(topic);
    if (!logs) throw new TransportError('ERR_TRANSPORT_UNKNOWN_TOPIC', `Unknown topic ${topic}: create it with ensureTopics()`);
    return logs;
  }

  async function produce(messages: OutgoingMessage[]): Promise<void> {
    assertMessages(messages);
    await usable();
    assertAvailable();
    // Everything is checked before anything is appended, so a bad batch appends nothing.
    const batches = new Map<PartitionLog, OutgoingMessage[]>();
    for (const message of messages) {
      const logs = logsOf(message.topic);
      const log = logs[partitionForKey(message.key, logs.length)]!;
      const batch = batches.get(log);
      if (batch) batch.push(message);
      else batches.set(log, [message]);
    }
    await journal!.append(batches);
  }

  async function consumerLag(groupId: string, names: string[]): Promise<PartitionLag[]> {
    const { offsets } = await usable();
    assertAvailable();
    const lags: PartitionLag[] = [];
    for (const topic of names) {
      for (const log of logsOf(topic)) {
        const committed = offsets.get(groupId, topic, log.partition);
        const highWatermark = log.highWatermark;
        lags.push({
          topic,
          partition: log.partition,
          committedOffset: String(committed ?? -1),
          highWatermark: String(highWatermark),
          lag: Math.max(0, highWatermark - (committed ?? 0)),
        });
      }
    }
    return lags;
  }

  function newConsumer(consumerOptions: ConsumerOptions): EmbeddedConsumer {
    return createEmbeddedConsumer(
      { usable, assertTopicExists: logsOf, running: runningConsumers, memberId: nextMemberId++ },
      consumerOptions,
    );
  }

  /** Serializes admin operations so two concurrent ensureTopics never create a topic twice. */
  function admin<T>(operation: () => Promise<T>): Promise<T> {
    const step = adminQueue.then(operation);
    adminQueue = step.catch(() => {});
    return step;
  }

  const broker: EmbeddedBroker = {
    kind: 'embedded',
    dataDir,

    get available() {
      return available;
    },

    setAvailable(value) {
      if (available === value) return;
      available = value;
      logger.info({ available }, value ? 'embedded broker available again' : 'embedded broker unavailable');
      availabilityChanged.notify();
    },

    ensureTopics(names, partitions) {
      return admin(async () => {
        await usable();
        assertAvailable();
        assertPartitionCount(partitions);
        names.forEach(assertTopicName);
        for (const name of names) {
          if (topics.has(name)) continue;
          await storage?.createTopic(name, partitions);
          topics.set(name, await openLogs(name, partitions));
          logger.debug({ topic: name, partitions }, 'embedded topic created');
        }
      });
    },

    createProducer(): EventProducer {
      let disconnected = false;
      let queue: Promise<void> = Promise.resolve();
      return {
        async connect() {
          disconnected = false;
          await usable();
          assertAvailable();
        },
        send(messages) {
          // Chained, so that calls made without awaiting each other still land in call order.
          const step = queue.then(() => {
            if (disconnected) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The producer is disconnected');
            return produce(messages);
          });
          queue = step.catch(() => {});
          return step;
        },
        async disconnect() {
          disconnected = true;
          await queue;
        },
      };
    },

    createConsumer: newConsumer,
    consumerLag,

    openTransportPort() {
      if (closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'The embedded broker is closed');
      const { port1, port2 } = new MessageChannel();
      serveTransportPort(port1, {
        connect: async () => {
          await usable();
          assertAvailable();
        },
        produce,
        ensureTopics: (names, partitions) => broker.ensureTopics(names, partitions),
        consumerLag,
        createConsumer: newConsumer,
        logger,
      });
      ports.add(port1);
      port1.once('close', () => ports.delete(port1));
      return port2;
    },

    openProducerPort() {
      return broker.openTransportPort();
    },

    transportDescriptor() {
      return { kind: 'embedded', port: broker.openTransportPort() };
    },

    producerDescriptor() {
      return broker.transportDescriptor();
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        for (const port of ports) port.close();
        ports.clear();
        await ready.catch(() => {});
        await Promise.all([...runningConsumers].map((consumer) => consumer.stop()));
        await offsets?.flush();
        await adminQueue;
        await journal?.close();
      } finally {
        if (dataDir !== undefined) dataDirsInUse.delete(dataDir);
      }
    },
  };
  return broker;
}
