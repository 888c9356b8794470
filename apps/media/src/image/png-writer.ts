import { createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, createDeflate } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'latin1'))), 8 + data.length);
  return out;
}

/** Rows written one band at a time into a PNG file, so that no more than a band is ever in memory. */
export interface PngRowWriter {
  /** Whole rows of `width * channels` bytes each, top to bottom; resolves when they may be reused. */
  write(rows: Buffer): Promise<void>;
  /** Ends the image (every row must have been written) and closes the file. */
  finish(): Promise<void>;
  /** Gives up: closes the file as it is (the caller removes it). */
  abort(): Promise<void>;
}

/**
 * A streaming PNG encoder for 8-bit RGB or RGBA rows: each row gets filter type 0 and goes
 * through one deflate stream at the fastest level (the file is an intermediate that sharp reads
 * once), whose output is cut into IDAT chunks as it comes.
 */
export function createPngRowWriter(path: string, image: { width: number; height: number; channels: 3 | 4 }): PngRowWriter {
  const rowBytes = image.width * image.channels;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8; // bit depth
  header[9] = image.channels === 4 ? 6 : 2; // colour type: truecolour with or without alpha
  // compression, filter and interlace methods 0

  const deflate = createDeflate({ level: constants.Z_BEST_SPEED, memLevel: 9 });
  let started = false;
  const chunker = new Transform({
    transform(data: Buffer, _encoding, callback: TransformCallback) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header)]));
      }
      callback(null, chunk('IDAT', data));
    },
    flush(callback: TransformCallback) {
      callback(null, chunk('IEND', Buffer.alloc(0)));
    },
  });
  const done = pipeline(deflate, chunker, createWriteStream(path));
  done.catch(() => {}); // awaited in finish(); a failure also rejects the next write
  let rowsWritten = 0;
  // One buffer for the filtered rows, reused: each write waits until zlib has consumed it.
  let filtered = Buffer.alloc(0);

  return {
    async write(rows) {
      if (rows.length % rowBytes !== 0) throw new Error(`PNG rows: ${rows.length} bytes is not a whole number of ${rowBytes}-byte rows`);
      const count = rows.length / rowBytes;
      if (filtered.length < count * (rowBytes + 1)) filtered = Buffer.alloc(count * (rowBytes + 1));
      for (let row = 0; row < count; row++) {
        filtered[row * (rowBytes + 1)] = 0; // filter type None
        rows.copy(filtered, row * (rowBytes + 1) + 1, row * rowBytes, (row + 1) * rowBytes);
      }
      rowsWritten += count;
      const consumed = new Promise<void>((resolve, reject) => deflate.write(filtered.subarray(0, count * (rowBytes + 1)), (error) => (error ? reject(error) : resolve())));
      await Promise.race([consumed, done]);
    },
    async finish() {
      if (rowsWritten !== image.height) throw new Error(`PNG rows: ${rowsWritten} written of ${image.height}`);
      deflate.end();
      await done;
    },
    async abort() {
      deflate.destroy();
      await done.catch(() => {});
    },
  };
}
