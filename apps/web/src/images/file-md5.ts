/**
 * The MD5 of a file, computed in the browser a chunk at a time (WebCrypto has no MD5), so that a
 * 100 MB image is never held in memory whole. Pure JavaScript (@noble/hashes): no WebAssembly
 * and no eval, which the dashboard's Content-Security-Policy forbids. The API takes it as base64,
 * as in a Content-MD5 header; the media worker checks the stored bytes against it.
 */
import { md5 } from '@noble/hashes/legacy.js';

/** Bytes read and hashed at a time. */
export const MD5_CHUNK_BYTES = 4 * 1024 * 1024;

export interface Md5Options {
  chunkBytes?: number;
  /** Told the fraction done after each chunk. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}

/** Base64 of the 16-byte digest. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The file's MD5 as base64, read in chunks; between chunks the page stays responsive. */
export async function fileMd5(file: Blob, { chunkBytes = MD5_CHUNK_BYTES, onProgress, signal }: Md5Options = {}): Promise<string> {
  const hash = md5.create();
  for (let offset = 0; offset < file.size; offset += chunkBytes) {
    signal?.throwIfAborted();
    const chunk = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    hash.update(chunk);
    onProgress?.(Math.min(1, (offset + chunk.length) / file.size));
  }
  signal?.throwIfAborted();
  return toBase64(hash.digest());
}
