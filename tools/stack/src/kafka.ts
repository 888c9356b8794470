import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropKafkajsUnthrottledTimerWarning } from '@herald/logging';
import { Kafka, logLevel } from 'kafkajs';
import { resolveMaven } from './maven.js';
import { cacheDir } from './paths.js';
import { findFreePort } from './ports.js';
import { lastLines, run } from './run.js';
import { ManagedService, ownedTempDir } from './service.js';

/**
 * Kafka 4.1.x: KRaft only, runs on Java 17, and still negotiates protocol
 * versions that kafkajs 2.2.x speaks (KIP-896 kept those versions).
 */
export const KAFKA_VERSION = '4.1.2';

export interface KafkaInstall {
  version: string;
  /** Java classpath for the broker and its storage tool. */
  classpath: string;
  libDir: string;
}

export interface KafkaOptions {
  /** Client port; a free one is picked when omitted. */
  port?: number;
  /** Broker state; a temp dir removed at process exit when omitted. */
  dataDir?: string;
  /** Broker output; defaults to `<dataDir>/broker.log`. */
  logFile?: string;
  /** Extra or overriding server.properties entries. */
  config?: Record<string, string | number | boolean>;
  /**
   * JVM flags appended after the defaults (later flags win), e.g.
   * ['-XX:TieredStopAtLevel=4', '-Xmx1g'] for a benchmark that wants full JIT.
   */
  jvmArgs?: string[];
}

export interface KafkaBroker {
  /** Bootstrap servers string, e.g. `127.0.0.1:40123`. */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  /** Graceful stop: SIGTERM, SIGKILL after a timeout. Topics and data stay in dataDir. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash. */
  kill(): Promise<void>;
  /** Starts again on the same ports and data dir. */
  start(): Promise<void>;
}

export async function ensureKafka(): Promise<KafkaInstall> {
  const { libDir } = await resolveMaven(cacheDir('kafka', KAFKA_VERSION), [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
    // kafka_2.13 only declares slf4j-api; without a binding the broker logs
    // nothing, and its log is what explains a failed startup.
    { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.3' },
  ]);
  return { version: KAFKA_VERSION, classpath: join(libDir, '*'), libDir };
}

// Small, fast-starting single node settings. Internal topics get one partition
// because creating the default 50 __consumer_offsets partitions is what makes
// the first consumer group join slow on a small machine.
function serverProperties(port: number, controllerPort: number, logDir: string, extra: KafkaOptions['config']): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 2,
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
    // After a crash (kill()) the restarted broker has to wait for its previous
    // incarnation's session to expire; the default 9 s makes outage tests slow.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 4000,
    ...extra,
  };
  return Object.entries(props).map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

const LOG4J2 = `# Lifecycle at INFO, everything else WARN: enough to explain a failed start.
status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
`;

// C1-only JIT and the serial collector cut JVM startup time and thread count on
// a 2 core machine; tests care about startup far more than peak throughput.
// log4j2's own shutdown hook would otherwise stop logging before Kafka logs its
// shutdown.
const JVM_ARGS = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', '-Dlog4j2.shutdownHookEnabled=false'];

async function formatStorage(install: KafkaInstall, configFile: string, log4jFile: string): Promise<void> {
  // Kafka cluster ids are 16 random bytes in URL-safe base64 without padding;
  // like Kafka's own Uuid.randomUuid, avoid a leading '-' that argparse would
  // take for an option.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const result = await run('java', [
    ...JVM_ARGS,
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    install.classpath,
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    `--config=${configFile}`,
  ]);
  if (result.code !== 0) throw new Error(`Formatting Kafka storage failed:\n${lastLines(result.output)}`);
}

/** A real kafkajs request: the broker is up, metadata works and the group coordinator is loaded. */
async function brokerAnswers(brokers: string): Promise<boolean> {
  dropKafkajsUnthrottledTimerWarning();
  const kafka = new Kafka({
    clientId: 'herald-stack-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    // Forces __consumer_offsets to exist and its coordinator to be loaded, so
    // the first real consumer group does not hit "coordinator is loading".
    await admin.describeGroups(['herald-stack-probe']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  const install = await ensureKafka();
  const port = options.port ?? (await findFreePort());
  const controllerPort = await findFreePort();
  const dataDir = options.dataDir ?? ownedTempDir('herald-kafka-');
  const logDir = join(dataDir, 'kraft');
  const configDir = join(dataDir, 'config');
  const logFile = options.logFile ?? join(dataDir, 'broker.log');
  mkdirSync(configDir, { recursive: true });
  const configFile = join(configDir, 'server.properties');
  const log4jFile = join(configDir, 'log4j2.properties');
  writeFileSync(configFile, serverProperties(port, controllerPort, logDir, options.config));
  writeFileSync(log4jFile, LOG4J2);
  if (!existsSync(join(logDir, 'meta.properties'))) await formatStorage(install, configFile, log4jFile);

  const brokers = `127.0.0.1:${port}`;
  const service = new ManagedService({
    name: `Kafka ${KAFKA_VERSION} on ${brokers}`,
    command: 'java',
    args: [...JVM_ARGS, ...(options.jvmArgs ?? []), `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', install.classpath, 'kafka.Kafka', configFile],
    logFile,
    probe: () => brokerAnswers(brokers),
    readyTimeoutMs: 90_000,
    stopTimeoutMs: 30_000,
  });
  await service.start();
  return {
    brokers,
    port,
    controllerPort,
    dataDir,
    logFile,
    stop: () => service.stop(),
    kill: () => service.kill(),
    start: () => service.start(),
  };
}
