import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createUploadQueue } from '../src/upload-queue.js';

const job = (n: number, authorId?: string) => ({ postId: `p${n}`, uploadId: `0193${String(n).padStart(4, '0')}-0000-7000-8000-000000000000`, ...(authorId ? { authorId } : {}) });

t.test('no more than `concurrency` uploads run at once, whatever asks for them', async (t) => {
  const queue = createUploadQueue(2);
  let running = 0;
  let most = 0;
  const work = async () => {
    running++;
    most = Math.max(most, running);
    await sleep(20);
    running--;
    return { outcome: 'ready' as const, repeated: false };
  };
  const outcomes = await Promise.all(Array.from({ length: 7 }, (_, n) => queue.run(job(n), work)));
  t.equal(outcomes.length, 7);
  t.equal(most, 2);
  t.equal(queue.size(), 0);
});

t.test('the same upload asked for again while in hand shares the run under way', async (t) => {
  const queue = createUploadQueue(4);
  let runs = 0;
  const work = async () => {
    runs++;
    await sleep(20);
    return { outcome: 'ready' as const, repeated: false };
  };
  await Promise.all([queue.run(job(1, 'a'), work), queue.run(job(1, 'a'), work), queue.run(job(2, 'a'), work)]);
  t.equal(runs, 2, 'one run for upload 1, one for upload 2');
  await queue.run(job(1, 'a'), work);
  t.equal(runs, 3, 'once done, it runs again when asked (the worker then finds it decided)');
});

t.test('a failed run frees its slot', async (t) => {
  const queue = createUploadQueue(1);
  await t.rejects(queue.run(job(1), async () => Promise.reject(new Error('storage down'))), /storage down/);
  t.match(await queue.run(job(2), async () => ({ outcome: 'gone' as const })), { outcome: 'gone' });
});
