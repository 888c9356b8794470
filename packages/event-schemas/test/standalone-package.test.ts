import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

// A team outside this repository gets the package through npm: build the tarball exactly as
// `npm publish` would, install it in an empty project and use it with plain Node, no tsx.
t.test('the packed package works on its own in a project outside this repository', async (t) => {
  const workDir = await mkdtemp(join(tmpdir(), 'herald-schemas-consumer-'));
  t.teardown(() => rm(workDir, { recursive: true, force: true }));

  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', workDir], {
    cwd: packageDir,
    timeout: 120_000,
  });
  const tarball = stdout.trim().split('\n').pop()!;
  await writeFile(join(workDir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(workDir, tarball)], {
    cwd: workDir,
    timeout: 180_000,
  });
  await writeFile(
    join(workDir, 'check.mjs'),
    `import { validateEvent, topics, buildAsyncApiDocument, eventTypes } from '@herald/event-schemas';
     const bad = validateEvent({ type: 'ProductDeleted', data: {} });
     console.log(JSON.stringify({ topics, eventTypes, bad: bad.valid, asyncapi: buildAsyncApiDocument().asyncapi }));`,
  );
  const check = await run(process.execPath, ['check.mjs'], { cwd: workDir, env: { PATH: process.env.PATH } });
  const result = JSON.parse(check.stdout);
  t.same(result.topics, { products: 'herald.products', users: 'herald.users', blogs: 'herald.blogs', posts: 'herald.posts' });
  t.ok(result.eventTypes.includes('LowStockWarning'));
  t.equal(result.bad, false);
  t.equal(result.asyncapi, '3.0.0');
});
