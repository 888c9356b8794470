import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A gradient of `width` x `height` as raw RGB, so the images made here have something to scale. */
function gradient(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = (x * 255) / width;
      pixels[at + 1] = (y * 255) / height;
      pixels[at + 2] = 128;
    }
  }
  return pixels;
}

const raw = (width: number, height: number) => sharp(gradient(width, height), { raw: { width, height, channels: 3 } });

/** The same PNG with its header claiming another size (the CRC made right, so only the size is a lie). */
export function withPngSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

export const pngImage = (width = 800, height = 500) => raw(width, height).png().toBuffer();

/** A JPEG whose EXIF carries a camera and a GPS position (Paris), as phones write them. */
export const jpegWithGps = (width = 900, height = 600) =>
  raw(width, height)
    .withExif({
      IFD0: { Make: 'HeraldCam', Model: 'Test 1', Copyright: 'someone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 8/1' },
    })
    .jpeg({ quality: 90 })
    .toBuffer();

function bmpHeader(width: number, height: number, bitsPerPixel: 24 | 32): { header: Buffer; stride: number; fileSize: number } {
  const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  const header = Buffer.alloc(54);
  const fileSize = 54 + stride * height;
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(fileSize, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22); // positive: bottom-up, as most BMPs are
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bitsPerPixel, 28);
  header.writeUInt32LE(stride * height, 34);
  return { header, stride, fileSize };
}

/** The colour a test BMP has at (x, y): red grows to the right, green downwards. */
export const bmpColour = (x: number, y: number, width: number, height: number) => [Math.floor((x * 255) / width), Math.floor((y * 255) / height), 60];

function bmpRow(y: number, width: number, height: number, stride: number, bitsPerPixel: 24 | 32): Buffer {
  const row = Buffer.alloc(stride);
  const bytes = bitsPerPixel / 8;
  for (let x = 0; x < width; x++) {
    const [r, g, b] = bmpColour(x, y, width, height);
    row[x * bytes] = b!;
    row[x * bytes + 1] = g!;
    row[x * bytes + 2] = r!;
  }
  return row;
}

/** A bottom-up BMP in memory (small ones). */
export function bmpImage(width: number, height: number, bitsPerPixel: 24 | 32 = 24): Buffer {
  const { header, stride } = bmpHeader(width, height, bitsPerPixel);
  const rows = [];
  for (let y = height - 1; y >= 0; y--) rows.push(bmpRow(y, width, height, stride, bitsPerPixel));
  return Buffer.concat([header, ...rows]);
}

/** The side of a square 24-bit BMP whose file is as close to `bytes` as possible without going over. */
export function bmpSideFor(bytes: number): number {
  let side = Math.floor(Math.sqrt((bytes - 54) / 3));
  while (bmpHeader(side, side, 24).fileSize > bytes) side--;
  return side;
}

/** A large bottom-up 24-bit BMP written to `path` row by row (never whole in memory). */
export async function writeBmpFile(path: string, width: number, height: number): Promise<number> {
  const { header, stride, fileSize } = bmpHeader(width, height, 24);
  const out = createWriteStream(path);
  out.write(header);
  for (let y = height - 1; y >= 0; y--) {
    if (!out.write(bmpRow(y, width, height, stride, 24))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return fileSize;
}
