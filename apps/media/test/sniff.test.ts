import t from 'tap';
import { parseStorageNotification, parseUploadKey, reject, sniffImageType } from '../src/index.js';
import { bmpImage, jpegWithGps, pngImage } from './images.js';

t.test('the type is read from the first bytes, never from a name or a declared type', async (t) => {
  t.equal(sniffImageType(await pngImage(10, 10)), 'image/png');
  t.equal(sniffImageType(await jpegWithGps(10, 10)), 'image/jpeg');
  t.equal(sniffImageType(bmpImage(10, 10)), 'image/bmp');
  t.equal(sniffImageType(Buffer.from('BM but only text, not a bitmap header')), undefined, 'BM followed by text is no BMP');
  t.equal(sniffImageType(Buffer.from('GIF89a......')), undefined, 'GIF is not accepted');
  t.equal(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), undefined);
  t.equal(sniffImageType(Buffer.from([0x89, 0x50, 0x4e])), undefined, 'a cut signature');
  t.equal(sniffImageType(Buffer.alloc(0)), undefined);
});

t.test('each refusal has its code and a reason for the author', async (t) => {
  t.match(reject.md5Mismatch('abc', 'def'), { code: 'md5_mismatch', reason: /MD5 checksum differs/, detail: 'expected abc, got def' });
  t.match(reject.md5Mismatch(undefined, 'def'), { code: 'md5_mismatch', reason: /no declared MD5/ });
  t.match(reject.unsupportedType('image/png'), { code: 'unsupported_type', reason: 'The file is not a PNG, JPEG or BMP image (it was declared as image/png).' });
  t.match(reject.tooManyPixels(20000, 20000, 100_000_000), { code: 'too_many_pixels', reason: 'The image is 20000x20000 pixels (400 megapixels); at most 100 megapixels are accepted.' });
  t.match(reject.tooLarge(200 * 1048576, 100 * 1048576), { code: 'too_large', reason: 'The file is 200 MB; at most 100 MB are accepted.' });
  t.match(reject.unreadable('libvips said something'), { code: 'unreadable', reason: /damaged or incomplete/ });
  t.notMatch(reject.unreadable('libvips said something').reason, /libvips/, 'the worker insides stay in the log');
  for (const rejection of [reject.unsupportedType('x'.repeat(1000)), reject.tooManyPixels(1e9, 1e9, 1)]) t.ok(rejection.reason.length <= 500);
});

t.test('storage notifications: the uploads of the media bucket, nothing else', async (t) => {
  const uploadId = '01937a4e-8c1b-7000-8000-000000000000';
  const record = (bucket: string, key: string, eventName = 's3:ObjectCreated:Put') => ({ eventName, s3: { bucket: { name: bucket }, object: { key, size: 1 } } });
  const parsed = parseStorageNotification(
    JSON.stringify({
      EventName: 's3:ObjectCreated:Put',
      Records: [
        record('herald-media', `uploads/post-1/${uploadId}`),
        record('herald-media', `uploads%2Fpost-2%2F${uploadId}`, 's3:ObjectCreated:CompleteMultipartUpload'),
        record('other-bucket', `uploads/post-3/${uploadId}`),
        record('herald-media', `images/post-1/${uploadId}/600x600.jpg`),
        record('herald-media', `uploads/post-4/${uploadId}`, 's3:ObjectRemoved:Delete'),
        record('herald-media', 'uploads/post-5/not-a-uuid'),
      ],
    }),
    'herald-media',
  );
  t.ok(parsed.valid);
  if (!parsed.valid) return;
  t.same(parsed.event.uploads, [
    { postId: 'post-1', uploadId },
    { postId: 'post-2', uploadId },
  ]);
  t.equal(parsed.event.type, 'UploadsStored');
  const again = parseStorageNotification(JSON.stringify({ Records: [record('herald-media', `uploads/post-1/${uploadId}`)] }), 'herald-media');
  t.ok(again.valid && again.event.id !== parsed.event.id, 'another notification, another id');
  t.match(parseStorageNotification('not json', 'herald-media'), { valid: false, issues: [{ path: '/', message: /not JSON/ }] });
  t.match(parseStorageNotification('{"hello":1}', 'herald-media'), { valid: false });
  t.equal(parseUploadKey(`uploads/post-1/${uploadId}/extra`), undefined);
});
