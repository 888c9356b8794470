import sharp from 'sharp';
import t from 'tap';
import { imageKey, outcomeEventId, rejectionKey, uploadKey } from '../src/index.js';
import { bmpColour, bmpImage, jpegWithGps, pngImage, withPngSize } from './images.js';
import { md5Base64, startHarness } from './helpers.js';

t.test('the media worker, from the storage notification of an upload', async (t) => {
  const h = await startHarness(t);

  t.test('an upload of other bytes than the declared MD5 is rejected, and deleted', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage();
    await h.put(ref, png, { md5: md5Base64(Buffer.from('the file the client meant to send')) });
    await h.notify(ref, png.length);
    const [outcome] = await h.outcomes(ref);
    t.equal(outcome!.event.type, 'PostImageRejected');
    t.match(outcome!.event.data, { post_id: ref.postId, upload_id: ref.uploadId, author_id: ref.authorId, reason_code: 'md5_mismatch', reason: /MD5/ });
    t.equal(outcome!.event.id, outcomeEventId(ref.uploadId, 'rejected'));
    t.ok(await h.removed(uploadKey(ref)), 'the original is deleted');
    t.notOk(await h.exists(imageKey(ref)), 'nothing was converted');
  });

  t.test('a PNG declared as image/jpeg is accepted by its bytes', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage(800, 500);
    await h.put(ref, png, { declaredType: 'image/jpeg' });
    await h.notify(ref, png.length);
    const [outcome] = await h.outcomes(ref);
    t.equal(outcome!.event.type, 'PostImageReady');
    t.same(outcome!.event.data, {
      post_id: ref.postId,
      author_id: ref.authorId,
      upload_id: ref.uploadId,
      image_key: imageKey(ref),
      width: 600,
      height: 600,
      source_width: 800,
      source_height: 500,
      source_type: 'image/png',
      size_bytes: png.length,
    });
    t.equal(outcome!.event.id, outcomeEventId(ref.uploadId, 'ready'));
    t.ok(await h.exists(uploadKey(ref)), 'the original is kept');
    const meta = await sharp(await h.read(imageKey(ref))).metadata();
    t.match(meta, { format: 'jpeg', width: 600, height: 600 });
  });

  t.test('a text file declared as image/png is rejected, and deleted', async (t) => {
    const ref = h.newUpload();
    const text = Buffer.from('BM this is not an image at all, only text that starts like a bitmap\n'.repeat(20));
    await h.put(ref, text, { declaredType: 'image/png' });
    await h.notify(ref, text.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageRejected', data: { reason_code: 'unsupported_type', reason: /not a PNG, JPEG or BMP image \(it was declared as image\/png\)/ } });
    t.ok(await h.removed(uploadKey(ref)), 'the original is deleted');
  });

  t.test('a BMP is converted, upright and in its colours', async (t) => {
    const ref = h.newUpload();
    const [width, height] = [1203, 601];
    const bmp = bmpImage(width, height);
    await h.put(ref, bmp, { declaredType: 'image/bmp' });
    await h.notify(ref, bmp.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageReady', data: { source_type: 'image/bmp', source_width: width, source_height: height, size_bytes: bmp.length } });
    const { data, info } = await sharp(await h.read(imageKey(ref))).raw().toBuffer({ resolveWithObject: true });
    t.match(info, { width: 600, height: 600, channels: 3 });
    // Cropped to the centre: the output's corners are at x = 301 and 901 of the original, y = 0 and 600.
    const pixel = (x: number, y: number) => [...data.subarray((y * 600 + x) * 3, (y * 600 + x) * 3 + 3)];
    const near = (actual: number[], expected: number[]) => actual.every((value, i) => Math.abs(value - expected[i]!) <= 12);
    t.ok(near(pixel(2, 2), bmpColour(302, 2, width, height)), `top left ${pixel(2, 2)} vs ${bmpColour(302, 2, width, height)}`);
    t.ok(near(pixel(597, 597), bmpColour(898, 598, width, height)), `bottom right ${pixel(597, 597)} vs ${bmpColour(898, 598, width, height)}`);
  });

  t.test('the converted image is a 600x600 JPEG without EXIF: the GPS position is gone', async (t) => {
    const ref = h.newUpload();
    const jpeg = await jpegWithGps();
    t.ok((await sharp(jpeg).metadata()).exif, 'the original carries EXIF');
    t.ok(jpeg.includes(Buffer.from('HeraldCam')), 'and its camera name');
    await h.put(ref, jpeg, { declaredType: 'image/jpeg' });
    await h.notify(ref, jpeg.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageReady', data: { source_type: 'image/jpeg', source_width: 900, source_height: 600 } });
    const converted = await h.read(imageKey(ref));
    const meta = await sharp(converted).metadata();
    t.match(meta, { format: 'jpeg', width: 600, height: 600 });
    t.equal(meta.exif, undefined, 'no EXIF');
    t.equal(meta.xmp, undefined, 'no XMP');
    t.equal(meta.icc, undefined, 'no ICC profile');
    t.notOk(converted.includes(Buffer.from('Exif\0')), 'no APP1 EXIF segment');
    t.notOk(converted.includes(Buffer.from('HeraldCam')), 'no trace of the camera');
    t.equal((await h.s3.statObject(h.bucket, imageKey(ref))).metaData['content-type'], 'image/jpeg');
  });

  t.test('an image of more pixels than MEDIA_MAX_PIXELS is refused from its header', async (t) => {
    const ref = h.newUpload();
    // A few kilobytes whose header announces 20000x20000 pixels: 1.2 GB once decoded.
    const bomb = withPngSize(await pngImage(100, 100), 20000, 20000);
    t.ok(bomb.length < 100_000, `the bomb is small (${bomb.length} bytes)`);
    await h.put(ref, bomb);
    await h.notify(ref, bomb.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageRejected', data: { reason_code: 'too_many_pixels', reason: /20000x20000/ } });
    t.ok(await h.removed(uploadKey(ref)), 'the original is deleted');
  });

  t.test('a damaged image is rejected as unreadable', async (t) => {
    const ref = h.newUpload();
    const png = await pngImage(700, 700);
    const cut = png.subarray(0, Math.floor(png.length / 2));
    await h.put(ref, cut);
    await h.notify(ref, cut.length);
    const [outcome] = await h.outcomes(ref);
    t.match(outcome!.event, { type: 'PostImageRejected', data: { reason_code: 'unreadable' } });
  });

  t.test('PostImageUploaded for an upload that never arrived reports it missing', async (t) => {
    const ref = h.newUpload();
    const producer = h.transport.createProducer();
    await producer.connect();
    t.teardown(() => producer.disconnect());
    const { createEvent, topicName, CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } = await import('@herald/event-schemas');
    const uploaded = createEvent({
      type: 'PostImageUploaded',
      subject: ref.postId,
      source: '/herald/test',
      data: { post_id: ref.postId, author_id: ref.authorId, upload_id: ref.uploadId, object_key: uploadKey(ref) },
    });
    await producer.send([{ topic: topicName('posts', h.prefix), key: ref.postId, value: JSON.stringify(uploaded), headers: { 'content-type': CLOUDEVENTS_STRUCTURED_CONTENT_TYPE } }]);
    const outcomes = await h.outcomes(ref);
    t.match(outcomes.at(-1)!.event, { type: 'PostImageRejected', data: { reason_code: 'missing', author_id: ref.authorId } });
    t.ok(await h.exists(rejectionKey(ref)), 'the rejection is recorded');
  });
});
