import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { convertImage, isImageRejection } from '../src/index.js';
import { tempDir } from './helpers.js';

/** A BMP with a 40-byte info header, or a 108-byte (V4) one with bit fields, built field by field. */
function bmp(options: { width: number; height: number; bits: 8 | 24 | 32; topDown?: boolean; compression?: number; alpha?: boolean; pixel: (x: number, y: number) => [number, number, number, number] }): Buffer {
  const { width, height, bits } = options;
  const v4 = bits === 32 && options.alpha;
  const infoSize = v4 ? 108 : 40;
  const palette = bits === 8 ? 256 * 4 : 0;
  const offset = 14 + infoSize + palette;
  const stride = Math.ceil((width * bits) / 32) * 4;
  const out = Buffer.alloc(offset + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(infoSize, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(options.topDown ? -height : height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bits, 28);
  out.writeUInt32LE(options.compression ?? (v4 ? 3 : 0), 30);
  if (v4) [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000].forEach((mask, i) => out.writeUInt32LE(mask >>> 0, 54 + 4 * i));
  // An 8-bit palette of greys: index i is (i, i, i).
  for (let i = 0; i < palette / 4; i++) out.fill(i, 14 + infoSize + 4 * i, 14 + infoSize + 4 * i + 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (options.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = options.pixel(x, y);
      if (bits === 8) out[row + x] = r;
      else {
        const at = row + x * (bits / 8);
        out[at] = b;
        out[at + 1] = g;
        out[at + 2] = r;
        if (bits === 32) out[at + 3] = a;
      }
    }
  }
  return out;
}

async function convert(t: Test, bytes: Buffer) {
  const dir = tempDir(t, 'herald-bmp-');
  await writeFile(join(dir, 'in.bmp'), bytes);
  const { jpeg, sourceWidth, sourceHeight } = await convertImage(join(dir, 'in.bmp'), 'image/bmp', { maxPixels: 1e8, quality: 90, workDir: dir });
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  return { at, info, sourceWidth, sourceHeight };
}

const close = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]!) <= 10);

t.test('an 8-bit palette BMP', async (t) => {
  // Left half black, right half white.
  const { at, sourceWidth } = await convert(t, bmp({ width: 600, height: 600, bits: 8, pixel: (x) => (x < 300 ? [0, 0, 0, 0] : [255, 0, 0, 0]) }));
  t.equal(sourceWidth, 600);
  t.ok(close(at(100, 300), [0, 0, 0]), `left ${at(100, 300)}`);
  t.ok(close(at(500, 300), [255, 255, 255]), `right ${at(500, 300)}`);
});

t.test('a top-down 24-bit BMP keeps its top at the top', async (t) => {
  const { at } = await convert(t, bmp({ width: 600, height: 600, bits: 24, topDown: true, pixel: (_x, y) => (y < 300 ? [200, 30, 30, 0] : [30, 30, 200, 0]) }));
  t.ok(close(at(300, 100), [200, 30, 30]), `top is red: ${at(300, 100)}`);
  t.ok(close(at(300, 500), [30, 30, 200]), `bottom is blue: ${at(300, 500)}`);
});

t.test('a 32-bit BMP with an alpha mask is put on white where transparent', async (t) => {
  const { at } = await convert(t, bmp({ width: 600, height: 600, bits: 32, alpha: true, pixel: (x) => (x < 300 ? [0, 0, 0, 0] : [0, 0, 0, 255]) }));
  t.ok(close(at(100, 300), [255, 255, 255]), `transparent black is white: ${at(100, 300)}`);
  t.ok(close(at(500, 300), [0, 0, 0]), `opaque black is black: ${at(500, 300)}`);
});

t.test('a 32-bit BMP without bit fields ignores its fourth byte', async (t) => {
  const { at } = await convert(t, bmp({ width: 600, height: 600, bits: 32, pixel: () => [10, 120, 240, 0] }));
  t.ok(close(at(300, 300), [10, 120, 240]), `${at(300, 300)}`);
});

t.test('run-length compressed and truncated BMPs are refused with their reason', async (t) => {
  const rle = bmp({ width: 16, height: 16, bits: 8, compression: 1, pixel: () => [0, 0, 0, 0] });
  await t.rejects(convert(t, rle), { code: 'unsupported_type', reason: /run-length/ });
  const whole = bmp({ width: 640, height: 480, bits: 24, pixel: () => [1, 2, 3, 0] });
  const error = await convert(t, whole.subarray(0, whole.length - 5000)).catch((e: unknown) => e);
  t.ok(isImageRejection(error) && error.code === 'unreadable', 'a truncated BMP is unreadable');
});
