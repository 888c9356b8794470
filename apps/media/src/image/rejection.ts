import type { PostImageRejectedData } from '@herald/event-schemas';

/** Why the worker refuses an upload (`expired` is the API's, never the worker's). */
export type RejectionCode = Exclude<PostImageRejectedData['reason_code'], 'expired'>;

/**
 * A check the upload failed: the outcome of processing, not a fault of the worker. `reason` is
 * shown to the author, so it says what was wrong with the file in plain words and nothing about
 * the worker's insides (those go to the log through `detail`).
 */
export class ImageRejection extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
    readonly detail?: string,
  ) {
    super(`${code}: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'ImageRejection';
  }
}

export function isImageRejection(error: unknown): error is ImageRejection {
  return error instanceof ImageRejection;
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1048576) * 10) / 10} MB`;
const megapixels = (pixels: number) => `${Math.round((pixels / 1_000_000) * 10) / 10} megapixels`;

/** The one place each rejection's code and wording are made. */
export const reject = {
  md5Mismatch: (expected: string | undefined, actual: string) =>
    new ImageRejection(
      'md5_mismatch',
      expected
        ? 'The uploaded file is not the one announced: its MD5 checksum differs from the declared one (the upload may have been corrupted or replaced).'
        : 'The upload carries no declared MD5 checksum, so it cannot be verified.',
      `expected ${expected ?? '(none)'}, got ${actual}`,
    ),
  unsupportedType: (declared: string | undefined) =>
    new ImageRejection(
      'unsupported_type',
      `The file is not a PNG, JPEG or BMP image${declared ? ` (it was declared as ${declared.slice(0, 100)})` : ''}.`,
    ),
  unsupportedVariant: (what: string) => new ImageRejection('unsupported_type', `This kind of image is not supported: ${what}.`),
  tooManyPixels: (width: number, height: number, limit: number) =>
    new ImageRejection(
      'too_many_pixels',
      `The image is ${width}x${height} pixels (${megapixels(width * height)}); at most ${megapixels(limit)} are accepted.`,
    ),
  tooLarge: (size: number, limit: number) =>
    new ImageRejection('too_large', `The file is ${megabytes(size)}; at most ${megabytes(limit)} are accepted.`),
  unreadable: (detail: string) =>
    new ImageRejection('unreadable', 'The image could not be read: the file is damaged or incomplete.', detail),
  missing: () => new ImageRejection('missing', 'The upload was announced as complete, but no file arrived in storage.'),
} as const;
