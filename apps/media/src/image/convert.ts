import { open } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { BMP_HEAD_BYTES, convertBmpToPng, readBmpLayout } from './bmp.js';
import { reject, isImageRejection } from './rejection.js';
import type { ImageType } from './sniff.js';

/** The converted image's side, in pixels. */
export const CONVERTED_SIZE = 600;

export interface ConvertOptions {
  /** Most pixels (width x height) of an accepted original, checked from its header before decoding. */
  maxPixels: number;
  /** JPEG quality of the converted image (1..100). */
  quality: number;
  /** A folder of this conversion's own, for the intermediate PNG of a BMP. */
  workDir: string;
}

export interface ConvertedImage {
  /** The 600x600 JPEG, without any metadata. */
  jpeg: Buffer;
  /** The original's size as shown (after its EXIF orientation). */
  sourceWidth: number;
  sourceHeight: number;
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) throw reject.tooManyPixels(width, height, maxPixels);
}

/** What sharp decodes, and the original's size: read from the header alone, before any decoding. */
async function prepare(path: string, type: ImageType, options: ConvertOptions): Promise<{ input: string; width: number; height: number }> {
  if (type === 'image/bmp') {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const head = Buffer.alloc(Math.min(BMP_HEAD_BYTES, size));
      await file.read(head, 0, head.length, 0);
      const layout = readBmpLayout(head, size);
      checkPixels(layout.width, layout.height, options.maxPixels);
      const png = join(options.workDir, 'bmp.png');
      await convertBmpToPng(file, head, layout, png);
      return { input: png, width: layout.width, height: layout.height };
    } finally {
      await file.close();
    }
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw reject.unreadable(`header: ${(error as Error).message}`);
  }
  const expected = type === 'image/png' ? 'png' : 'jpeg';
  if (metadata.format !== expected || !metadata.width || !metadata.height) {
    throw reject.unreadable(`header: ${metadata.format} of ${metadata.width}x${metadata.height}, sniffed ${type}`);
  }
  checkPixels(metadata.width, metadata.height, options.maxPixels);
  const shown = metadata.autoOrient ?? metadata;
  return { input: path, width: shown.width, height: shown.height };
}

/**
 * The 600x600 JPEG of an original already known to be `type` (sniffed from its bytes): the
 * pixel count is checked from the header first (a decompression bomb is refused before a pixel is
 * decoded, and sharp's own limit stands behind that check), then the image is decoded from its
 * file (a BMP through bmp-ts into an intermediate PNG), turned upright by its EXIF orientation,
 * scaled to cover 600x600 and cropped to its centre, put on white where it was transparent, and
 * encoded as a JPEG that carries no metadata at all: EXIF (location included), XMP, IPTC and ICC
 * are dropped, colours being converted to sRGB first.
 */
export async function convertImage(path: string, type: ImageType, options: ConvertOptions): Promise<ConvertedImage> {
  const { input, width, height } = await prepare(path, type, options);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: options.maxPixels, sequentialRead: true })
      .autoOrient()
      .resize(CONVERTED_SIZE, CONVERTED_SIZE, { fit: 'cover', position: 'centre' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: options.quality })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== CONVERTED_SIZE || info.height !== CONVERTED_SIZE) throw new Error(`converted to ${info.width}x${info.height}`);
    return { jpeg: data, sourceWidth: width, sourceHeight: height };
  } catch (error) {
    if (isImageRejection(error)) throw error;
    throw reject.unreadable(`decode: ${(error as Error).message}`);
  }
}
