/**
 * Which files the dashboard offers to upload as a post's image, checked before anything is sent:
 * PNG, JPEG or BMP (told by the file's first bytes, as the media worker tells them, not by its
 * name), 1 byte to 100 MiB (the API's limit). The worker checks the bytes again; this only spares
 * the author an upload that would be refused.
 */
import type { ImageContentType } from '../api/types.js';

/** The largest image a post may carry (openapi.yaml's ImageDeclaration.size_bytes). */
export const MAX_IMAGE_BYTES = 100 * 1024 * 1024;

/** What the file input offers (the check below decides). */
export const ACCEPTED_IMAGE_TYPES: readonly ImageContentType[] = ['image/png', 'image/jpeg', 'image/bmp'];

const SIGNATURES: readonly { type: ImageContentType; bytes: readonly number[] }[] = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/bmp', bytes: [0x42, 0x4d] },
];

/** How many of a file's first bytes `sniffImageType` reads. */
export const SNIFF_BYTES = 8;

/** The image type a file's first bytes say, or undefined when they are none of PNG, JPEG, BMP. */
export function sniffImageType(head: Uint8Array): ImageContentType | undefined {
  return SIGNATURES.find(({ bytes }) => head.length >= bytes.length && bytes.every((b, i) => head[i] === b))?.type;
}

export type ImageFileCheck = { ok: true; contentType: ImageContentType; size: number } | { ok: false; reason: string };

/** Whether a file of this size, with these first bytes, may be sent; if not, why, in words. */
export function checkImageFile(size: number, head: Uint8Array): ImageFileCheck {
  if (size <= 0) return { ok: false, reason: 'The file is empty.' };
  if (size > MAX_IMAGE_BYTES) return { ok: false, reason: `The file is ${formatBytes(size)}; an image may be at most ${formatBytes(MAX_IMAGE_BYTES)}.` };
  const contentType = sniffImageType(head);
  if (!contentType) return { ok: false, reason: 'The file is not a PNG, JPEG or BMP image.' };
  return { ok: true, contentType, size };
}

/** Reads a file's first bytes and checks it (see checkImageFile). */
export async function checkFile(file: Blob): Promise<ImageFileCheck> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  return checkImageFile(file.size, head);
}

const units = ['bytes', 'KB', 'MB', 'GB'] as const;

/** A size as people read it, in binary units: 1.5 MB, 820 KB, 12 bytes. */
export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${size} ${size === 1 ? 'byte' : 'bytes'}`;
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`;
}
