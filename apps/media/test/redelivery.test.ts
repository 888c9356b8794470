import { pino } from 'pino';
import t from 'tap';
import { createMediaStorage, imageKey, outcomeEventId, processUpload, rejectionKey, uploadKey } from '../src/index.js';
import { md5Base64, startHarness, storageNotification } from './helpers.js';
import { pngImage } from './images.js';

async function listKeys(h: Awaited<ReturnType<typeof startHarness>>): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of h.s3.listObjectsV2(h.bucket, '', true)) keys.push((item as { name: string }).name);
  return keys.sort();
}

// The runtime's memory of recent event ids is turned off, so that a repeated record reaches the
// worker as a redelivery after a restart would.
t.test('a redelivered notification changes nothing', async (t) => {
  const h = await startHarness(t, {}, { recentIdsCapacity: 0 });

  t.test('of an accepted upload: the same ready event again, the JPEG not rewritten', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage(640, 480);
    await h.put(ref, png);
    const notification = storageNotification(h.bucket, uploadKey(ref), png.length);
    await h.sendNotification(notification);
    const [first] = await h.outcomes(ref);
    const converted = await h.s3.statObject(h.bucket, imageKey(ref));
    const keys = await listKeys(h);

    await h.sendNotification(notification);
    const outcomes = await h.outcomes(ref, 2);
    t.equal(outcomes.length, 2);
    t.equal(outcomes[1]!.value, first!.value, 'the very same event, byte for byte');
    t.equal(outcomes[1]!.event.id, outcomeEventId(ref.uploadId, 'ready'));
    const again = await h.s3.statObject(h.bucket, imageKey(ref));
    t.equal(again.etag, converted.etag);
    t.equal(again.lastModified.getTime(), converted.lastModified.getTime(), 'the JPEG was not written again');
    t.same(await listKeys(h), keys, 'no object added or removed');
  });

  t.test('of a rejected upload: the same rejection again, nothing converted', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage(300, 300);
    await h.put(ref, png, { md5: md5Base64(Buffer.from('other bytes')) });
    const notification = storageNotification(h.bucket, uploadKey(ref), png.length);
    await h.sendNotification(notification);
    const [first] = await h.outcomes(ref);
    t.equal(first!.event.type, 'PostImageRejected');
    const keys = await listKeys(h);

    await h.sendNotification(notification);
    const outcomes = await h.outcomes(ref, 2);
    t.equal(outcomes[1]!.value, first!.value);
    t.same(await listKeys(h), keys);
    t.ok(keys.includes(rejectionKey(ref)) && !keys.includes(uploadKey(ref)) && !keys.includes(imageKey(ref)));
  });

  t.test('a worker that stopped between writing the JPEG and announcing it announces it on the next delivery', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage(1000, 400);
    await h.put(ref, png);
    const storage = createMediaStorage(h.s3, h.bucket);
    const crashing = { publish: async () => Promise.reject(new Error('the process died here')) };
    await t.rejects(processUpload(ref, { storage, publisher: crashing, settings: h.settings, log: pino({ level: 'silent' }) }), /died here/);
    t.ok(await h.exists(imageKey(ref)), 'the JPEG was written');
    t.same(h.published(), h.published().filter(({ event }) => (event.data as { upload_id: string }).upload_id !== ref.uploadId), 'nothing announced');
    const converted = await h.s3.statObject(h.bucket, imageKey(ref));

    await h.notify(ref, png.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageReady', id: outcomeEventId(ref.uploadId, 'ready'), data: { source_width: 1000, source_height: 400 } });
    t.equal((await h.s3.statObject(h.bucket, imageKey(ref))).lastModified.getTime(), converted.lastModified.getTime());
  });
});
