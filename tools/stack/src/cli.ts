// Usage:
//   tsx tools/stack/src/cli.ts provision [kafka|dynamodb|minio|redis|all]
//   tsx tools/stack/src/cli.ts up
import { provisionStack, STACK_SERVICES, startStack, type StackService } from './stack.js';

const USAGE = `usage: cli.ts provision [kafka|dynamodb|minio|redis|all]
       cli.ts up     start Kafka, DynamoDB Local, MinIO and Redis; print their env; Ctrl-C stops them`;

async function provision(what = 'all'): Promise<void> {
  const services: StackService[] = what === 'all' ? STACK_SERVICES : [what as StackService];
  if (!services.every((s) => STACK_SERVICES.includes(s))) throw new UsageError(`unknown service "${what}"`);
  const started = Date.now();
  const timings = await provisionStack(services);
  for (const [service, ms] of Object.entries(timings)) console.log(`${service}: ready in ${(ms / 1000).toFixed(1)} s`);
  console.log(`provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function up(): Promise<void> {
  console.error('starting Kafka, DynamoDB Local, MinIO and Redis...');
  const stack = await startStack();
  for (const [key, value] of Object.entries(stack.env)) console.log(`${key}=${value}`);
  console.error(`logs: ${stack.kafka.logFile} ${stack.dynamodb.logFile} ${stack.minio.logFile} ${stack.redis.logFile}`);
  console.error('running; press Ctrl-C to stop');
  // Signal listeners alone do not keep Node alive (services are unref'd).
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // Second Ctrl-C: give up on a clean stop; the exit hook SIGKILLs the rest.
        process.exit(130);
      }
      stopping = true;
      console.error(`\n${signal}: stopping...`);
      stack.stop().then(resolve, (error) => {
        console.error(error);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });
  clearInterval(keepAlive);
  console.error('stopped');
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  // The AWS SDK's "Node 22 will be required" notice is noise for a dev tool.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [command, ...rest] = argv;
  if (command === 'provision') return provision(rest[0]);
  if (command === 'up') return up();
  throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
