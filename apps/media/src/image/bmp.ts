import type { FileHandle } from 'node:fs/promises';
import { decode } from 'bmp-ts';
import { createPngRowWriter } from './png-writer.js';
import { reject } from './rejection.js';

/** Bytes to read from the start of a BMP for `readBmpLayout`: the largest header, its masks and a full palette. */
export const BMP_HEAD_BYTES = 14 + 124 + 16 + 256 * 4;

/** Decoded bytes (4 per pixel) a band of rows may take while a BMP is converted. */
const BAND_BYTES = 1024 * 1024;

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHA_BITFIELDS = 6;
/** Info header sizes bmp-ts reads (the OS/2 and core headers it does not). */
const SUPPORTED_HEADERS = new Set([40, 52, 56, 108, 124]);
const SUPPORTED_DEPTHS = new Set([1, 4, 8, 16, 24, 32]);

/** Where a BMP's parts are, read from its headers alone. */
export interface BmpLayout {
  width: number;
  height: number;
  /** Rows are stored top row first (a negative height in the header). */
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  /** Length of everything before the pixels as the decoder reads it: file and info headers, masks, palette. */
  headerBytes: number;
  /** Offset of the first pixel row in the file. */
  pixelOffset: number;
  /** Bytes per stored row, padding included. */
  stride: number;
  /** Whether an alpha mask is set (then the alpha channel is kept until the JPEG flattens it). */
  hasAlpha: boolean;
}

/**
 * Reads the layout of a BMP from its first bytes (`BMP_HEAD_BYTES` or the whole file if shorter)
 * and the file's size, and checks that the decoder can read it and the file holds every row.
 * Throws an ImageRejection otherwise.
 */
export function readBmpLayout(head: Buffer, fileSize: number): BmpLayout {
  if (head.length < 30) throw reject.unreadable('BMP shorter than its headers');
  const pixelOffset = head.readUInt32LE(10);
  const infoSize = head.readUInt32LE(14);
  if (!SUPPORTED_HEADERS.has(infoSize)) throw reject.unsupportedVariant(`BMP with a ${infoSize}-byte (OS/2 or core) header`);
  if (head.length < 14 + 40) throw reject.unreadable('BMP shorter than its headers');
  const width = head.readInt32LE(18);
  const rawHeight = head.readInt32LE(22);
  const planes = head.readUInt16LE(26);
  const bitsPerPixel = head.readUInt16LE(28);
  const compression = head.readUInt32LE(30);
  const colors = head.readUInt32LE(46);
  if (compression === 1 || compression === 2) throw reject.unsupportedVariant('run-length compressed BMP');
  if (compression === 4 || compression === 5) throw reject.unsupportedVariant('BMP wrapping a JPEG or PNG');
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHA_BITFIELDS].includes(compression)) throw reject.unreadable(`BMP compression ${compression}`);
  if (!SUPPORTED_DEPTHS.has(bitsPerPixel)) throw reject.unreadable(`BMP with ${bitsPerPixel} bits per pixel`);
  if (compression !== BI_RGB && bitsPerPixel !== 16 && bitsPerPixel !== 32) throw reject.unreadable('BMP bit fields on a palette image');
  if (planes !== 1 || width <= 0 || rawHeight === 0 || rawHeight === -2147483648) throw reject.unreadable(`BMP of ${width}x${rawHeight}, ${planes} planes`);
  if (bitsPerPixel <= 8 && colors > 1 << bitsPerPixel) throw reject.unreadable(`BMP palette of ${colors} colours`);

  // The same walk as the decoder's: masks after a plain info header, then the palette.
  let headerBytes = 14 + 40;
  if (infoSize > 40 || compression === BI_BITFIELDS || compression === BI_ALPHA_BITFIELDS) headerBytes += 12;
  if (infoSize > 52 || compression === BI_ALPHA_BITFIELDS) headerBytes += 4;
  if (infoSize > 56) headerBytes += 108 - 56;
  if (infoSize > 108) headerBytes += 124 - 108;
  if (bitsPerPixel <= 8 || colors > 0) headerBytes += 4 * (colors === 0 ? 1 << bitsPerPixel : colors);
  if (head.length < headerBytes || pixelOffset < headerBytes) throw reject.unreadable('BMP headers overlap its pixels');

  const alphaMaskAt = infoSize >= 56 || compression === BI_ALPHA_BITFIELDS ? 14 + 52 : undefined;
  const hasAlpha = compression !== BI_RGB && alphaMaskAt !== undefined && head.readUInt32LE(alphaMaskAt) !== 0;
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (pixelOffset + stride * height > fileSize) throw reject.unreadable(`BMP truncated: ${fileSize} bytes for ${height} rows of ${stride}`);
  return { width, height, topDown: rawHeight < 0, bitsPerPixel, compression, headerBytes, pixelOffset, stride, hasAlpha };
}

/**
 * Converts a BMP into a PNG file, a band of rows at a time: each band's stored rows are read from
 * the file and decoded by bmp-ts behind a copy of the headers saying the image is that band, then
 * appended to the PNG (RGB, or RGBA when the BMP has alpha). Memory stays at a few bands whatever
 * the image's size; sharp then reads the PNG from disk as it reads any PNG.
 */
export async function convertBmpToPng(file: FileHandle, head: Buffer, layout: BmpLayout, pngPath: string): Promise<void> {
  const { width, height, topDown, stride } = layout;
  const channels = layout.hasAlpha ? 4 : 3;
  const bandRows = Math.max(1, Math.floor(BAND_BYTES / (width * 4)));
  const header = Buffer.from(head.subarray(0, layout.headerBytes));
  if (layout.compression === BI_RGB && (layout.bitsPerPixel === 16 || layout.bitsPerPixel === 32) && header.length >= 14 + 52) {
    // Masks in a larger header mean nothing without bit fields; the decoder would use them anyway.
    const masks = layout.bitsPerPixel === 32 ? [0xff0000, 0xff00, 0xff] : [0x7c00, 0x03e0, 0x001f];
    masks.forEach((mask, index) => header.writeUInt32LE(mask, 14 + 40 + 4 * index));
  }
  const writer = createPngRowWriter(pngPath, { width, height, channels });
  // The band's stored bytes and its converted pixels are read into the same two buffers each time.
  const band = Buffer.alloc(layout.headerBytes + bandRows * stride);
  header.copy(band, 0);
  const pixels = Buffer.alloc(bandRows * width * channels);
  try {
    for (let top = 0; top < height; top += bandRows) {
      const rows = Math.min(bandRows, height - top);
      // Bottom-up files store the image's last row first: the band's rows sit nearer the end.
      const firstStored = topDown ? top : height - top - rows;
      band.writeInt32LE(topDown ? -rows : rows, 22);
      const { bytesRead } = await file.read(band, layout.headerBytes, rows * stride, layout.pixelOffset + firstStored * stride);
      if (bytesRead !== rows * stride) throw reject.unreadable('BMP truncated while reading its rows');
      let abgr: Buffer;
      try {
        abgr = decode(band.subarray(0, layout.headerBytes + rows * stride), { toRGBA: false }).data;
      } catch (error) {
        throw reject.unreadable(`BMP rows ${top}..${top + rows}: ${(error as Error).message}`);
      }
      await writer.write(toRgb(abgr, pixels, channels));
    }
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** bmp-ts's A,B,G,R pixels as R,G,B(,A), into `out`; returns the part written. */
function toRgb(abgr: Buffer, out: Buffer, channels: 3 | 4): Buffer {
  for (let i = 0, o = 0; i < abgr.length; i += 4, o += channels) {
    out[o] = abgr[i + 3]!;
    out[o + 1] = abgr[i + 2]!;
    out[o + 2] = abgr[i + 1]!;
    if (channels === 4) out[o + 3] = abgr[i]!;
  }
  return out.subarray(0, (abgr.length / 4) * channels);
}
