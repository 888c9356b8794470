import t from 'tap';
import { startModuleWorker } from '../../src/lib/typescript-worker.js';
import { createDoorbellMemory, DoorbellButton, DoorbellListener } from '../../src/publisher/doorbell.js';

function doorbell() {
  const memory = createDoorbellMemory();
  return { button: new DoorbellButton(memory), listener: new DoorbellListener(memory) };
}

t.test('while the worker is busy, commits send no message; the worker reads again instead of waiting', async (t) => {
  const { button, listener } = doorbell();
  listener.answer(); // the worker reads the outbox
  t.same([button.ring(), button.ring(), button.ring()], [false, false, false], 'no message while it works');
  t.equal(listener.goingToSleep(), false, 'rung since its read: it must not wait');
  listener.answer(); // so it reads again, and that read sees those commits
  t.equal(listener.goingToSleep(), true, 'nothing new: it may wait');
});

t.test('once the worker waits, the first commit sends one message and the next ones none', async (t) => {
  const { button, listener } = doorbell();
  listener.answer();
  t.equal(listener.goingToSleep(), true);
  t.same([button.ring(), button.ring(), button.ring()], [true, false, false]);
  // The message woke it; it reads, and waits again when nothing is left.
  listener.awake();
  listener.answer();
  t.equal(listener.goingToSleep(), true);
  t.equal(button.ring(), true, 'the next wait is announced again');
});

t.test('across threads, every commit reaches a worker that waits whenever the doorbell lets it', async (t) => {
  const memory = createDoorbellMemory();
  const counter = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const committed = new Int32Array(counter);
  const button = new DoorbellButton(memory);
  const total = 5_000;
  const worker = startModuleWorker(new URL('./fixtures/doorbell-worker.ts', import.meta.url), {
    workerData: { memory, counter, total, missAfterMs: 3_000 },
  });
  t.teardown(() => worker.terminate());
  const ready = new Promise((resolve) => worker.once('message', resolve));
  await ready;
  const outcome = new Promise<{ type: string; seen: number; waits: number; announced: number }>((resolve) => worker.once('message', resolve));
  let messages = 0;
  for (let i = 0; i < total; i++) {
    Atomics.add(committed, 0, 1); // a commit...
    if (button.ring()) {
      worker.postMessage('nudge'); // ...announced as the publisher announces it
      messages += 1;
    }
    // Bursts and pauses, so that commits land before, during and after the worker's checks and waits.
    if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const { type, seen, waits, announced } = await outcome;
  t.equal(type, 'done', `the worker saw every commit (seen ${seen} of ${total})`);
  t.ok(waits > 10, `the worker waited between bursts (${waits} times), so waking it was tested`);
  t.ok(messages <= announced, `at most one message per announced wait (${messages} messages, ${announced} announced)`);
  // How many waits the worker announces depends on how the two threads are scheduled (on a busy
  // machine it can wait again between two rings of one burst); a message per commit is what a
  // doorbell that stopped coalescing would send.
  t.ok(messages < total / 2, `fewer messages than commits by far (${messages} for ${total})`);
});
