import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { findFreePort } from '@herald/stack';
import { ManagedService, sleep } from '../src/service.js';

// A killed process may linger as a zombie until someone reaps it; that is dead too.
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

// A tiny HTTP server stands in for a JVM: same lifecycle, milliseconds to start.
const SERVER = `require('node:http').createServer((q, s) => s.end(String(process.pid))).listen(+process.argv[1], '127.0.0.1');
process.on('SIGTERM', () => { console.log('graceful stop'); process.exit(0); });`;

async function pidOf(port: number): Promise<number | undefined> {
  try {
    return Number(await (await fetch(`http://127.0.0.1:${port}/`)).text());
  } catch {
    return undefined;
  }
}

function httpService(port: number, logFile: string): ManagedService {
  return new ManagedService({
    name: 'test server',
    command: process.execPath,
    args: ['-e', SERVER, String(port)],
    logFile,
    probe: async () => (await pidOf(port)) !== undefined,
    readyTimeoutMs: 10_000,
    stopTimeoutMs: 5_000,
  });
}

t.test('findFreePort hands out distinct ports', async (t) => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
  t.equal(new Set(ports).size, ports.length);
});

t.test('start, stop (graceful), start again, kill', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-service-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await findFreePort();
  const logFile = join(dir, 'server.log');
  const service = httpService(port, logFile);
  t.teardown(() => service.kill());

  await service.start();
  const first = await pidOf(port);
  t.ok(first && alive(first), 'answers once start() resolves');
  await service.stop();
  t.notOk(alive(first!), 'process is gone after stop()');
  t.match(readFileSync(logFile, 'utf8'), /graceful stop/, 'stop() sends SIGTERM to the service itself');

  await service.start();
  const second = await pidOf(port);
  t.ok(second && second !== first, 'start() again runs a new process on the same port');
  await service.kill();
  t.notOk(alive(second!), 'kill() ends it');
  t.equal(service.running, false);
});

t.test('a service that exits during startup fails with its log', { timeout: 15_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-service-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const service = new ManagedService({
    name: 'doomed',
    command: process.execPath,
    args: ['-e', 'console.error("no config file"); process.exit(4)'],
    logFile: join(dir, 'doomed.log'),
    probe: async () => false,
  });
  await t.rejects(service.start(), /doomed exited \(code 4\)[\s\S]*no config file/);
});

t.test('a service that never gets ready is killed after the timeout, with its log', { timeout: 15_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-service-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const service = new ManagedService({
    name: 'stuck',
    command: process.execPath,
    args: ['-e', 'console.log("waiting for godot"); setInterval(() => {}, 1000)'],
    logFile: join(dir, 'stuck.log'),
    probe: async () => false,
    readyTimeoutMs: 1_000,
  });
  await t.rejects(service.start(), /stuck did not become ready within 1 s[\s\S]*waiting for godot/);
  t.equal(service.running, false, 'the stuck process was killed');
});

t.test('a service does not outlive a parent killed with SIGKILL', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-service-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await findFreePort();
  const parentScript = `
    import { ManagedService } from ${JSON.stringify(new URL('../src/service.ts', import.meta.url).href)};
    const s = new ManagedService({
      name: 'child', command: process.execPath,
      args: ['-e', ${JSON.stringify(SERVER)}, '${port}'],
      logFile: ${JSON.stringify(join(dir, 'child.log'))},
      probe: async () => { try { await fetch('http://127.0.0.1:${port}/'); return true; } catch { return false; } },
    });
    await s.start();
    console.log('ready');
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', parentScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => parent.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    parent.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
  });
  const servicePid = await pidOf(port);
  t.ok(servicePid && alive(servicePid), 'service runs');
  parent.kill('SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(servicePid!) && Date.now() < deadline) await sleep(100);
  t.notOk(alive(servicePid!), 'service was killed when its parent died');
});
