import t from 'tap';
import { OFFSET_FLUSH_DELAY_MS, openOffsetStore } from '../src/embedded/offset-store.js';
import type { Storage } from '../src/embedded/storage.js';

/** A storage that only records what it was asked to write (the offset store's logic alone). */
function recordingStorage(failWrites = 0) {
  const writes: unknown[] = [];
  let failuresLeft = failWrites;
  const storage = {
    readOffsets: async () => ({}),
    writeOffsets: async (offsets: unknown) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('disk full');
      }
      writes.push(offsets);
    },
  } as unknown as Storage;
  return { storage, writes };
}

t.test('commits in quick succession reach disk in one write, a flush delay later', async (t) => {
  const { storage, writes } = recordingStorage();
  const store = await openOffsetStore(storage);
  for (let offset = 1; offset <= 200; offset++) store.commit('group', 'topic', offset % 3, offset);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(writes.length, 0, 'nothing written 200 ms later');
  await new Promise((resolve) => setTimeout(resolve, OFFSET_FLUSH_DELAY_MS));
  t.equal(writes.length, 1, 'one write for all of them');
  t.same(writes[0], { group: { topic: { '0': 198, '1': 199, '2': 200 } } }, 'the latest offset of each partition');
});

t.test('flush() writes at once, and a failed write is tried again by the next flush', async (t) => {
  const { storage, writes } = recordingStorage(1);
  const store = await openOffsetStore(storage);
  store.commit('group', 'topic', 0, 5);
  await t.rejects(store.flush(), /offsets/i, 'the failure is reported');
  t.equal(writes.length, 0);
  await store.flush();
  t.same(writes, [{ group: { topic: { '0': 5 } } }], 'written on the next flush');
  t.equal(store.get('group', 'topic', 0), 5);
});
