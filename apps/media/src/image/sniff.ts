/** The image types the worker accepts, named as in PostImageReady's `source_type`. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/bmp';

/** How many leading bytes `sniffImageType` looks at. */
export const SNIFF_BYTES = 18;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Sizes of the BMP info headers in use (core, info, v2, v3, OS/2 v2, v4, v5). */
const BMP_INFO_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);

/**
 * The real type of a file from its first bytes, whatever its name or declared type: the PNG
 * signature, a JPEG's start-of-image marker followed by another marker, or a BMP's `BM` with a
 * known info header size at offset 14 (so that text starting with "BM" is not taken for one).
 * Undefined for anything else.
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 18) {
    const infoHeaderSize = bytes[14]! | (bytes[15]! << 8) | (bytes[16]! << 16) | (bytes[17]! << 24);
    if (BMP_INFO_HEADER_SIZES.has(infoHeaderSize)) return 'image/bmp';
  }
  return undefined;
}
