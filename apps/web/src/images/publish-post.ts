/**
 * Writing a post from the dashboard, with or without an image, as the steps the composer shows:
 * the image is checked, its MD5 computed in chunks, the post created with the image declared, the
 * bytes sent straight to storage with the presigned POST the API answered, and the completion
 * called. The image is then `pending` until the media worker's verdict comes (by the event
 * stream, or by reading the posts again).
 *
 * A file under MULTIPART_FROM_BYTES goes in one request, the presigned POST policy (storage itself
 * checks its size, type and key). A larger one goes in parts of 8 MiB, each with its presigned
 * PUT URL (`/image/multipart`): a part that fails is sent again after asking the API what storage
 * has (`/image/parts`, with fresh URLs), so a dropped connection costs one part, not the file;
 * publishing again after a failure continues the same upload.
 */
import type { ImageDeclaration, ImageMultipart, ImageUpload, Post, PostCreate } from '../api/types.js';
import { checkFile, type ImageFileCheck } from './image-file.js';
import { fileMd5 } from './file-md5.js';

export type PublishStep =
  | { step: 'checking' }
  | { step: 'hashing'; fraction: number }
  | { step: 'creating' }
  | { step: 'uploading'; fraction?: number }
  | { step: 'completing' };

/** What publishing needs of the API and of storage (fetch-based in the page, fakes in tests). */
export interface PublishApi {
  createPost(input: PostCreate, signal?: AbortSignal): Promise<Post>;
  uploadToStorage(upload: ImageUpload, file: Blob, signal?: AbortSignal): Promise<void>;
  completeImageUpload(postId: string, signal?: AbortSignal): Promise<Post>;
  /** Multipart uploads of large files; without them every file goes in one request. */
  multipart?: {
    start(postId: string, signal?: AbortSignal): Promise<ImageMultipart>;
    /** Undefined when no multipart upload of the image is in progress. */
    parts(postId: string, signal?: AbortSignal): Promise<ImageMultipart | undefined>;
    uploadPart(url: string, part: Blob, signal?: AbortSignal): Promise<void>;
    /** Waits before asking again after a failed part (default: 1, 2, 4… seconds). */
    pause?(attempt: number, signal?: AbortSignal): Promise<void>;
  };
  /** Default: the real file checks (first bytes, size). */
  checkFile?(file: Blob): Promise<ImageFileCheck>;
  /** Default: the chunked MD5 of the file. */
  md5?(file: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<string>;
}

export interface PublishInput {
  title?: string;
  content: string;
  image?: Blob;
  /** The post's id, chosen by the client: a retry of a creation whose answer was lost gets the same post. */
  id?: string;
}

/** A step failed; `step` says which, so the message can say what to try again. */
export class PublishError extends Error {
  constructor(
    readonly step: PublishStep['step'],
    message: string,
    /** The post, when it was created before the failure (its image then stays pending until it expires). */
    readonly post?: Post,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Files from this size on go in parts (two parts of the API's smallest, 8 MiB, at least). */
export const MULTIPART_FROM_BYTES = 16 * 1024 * 1024;
/** Rounds of asking what arrived and sending what is missing, before giving up. */
export const MULTIPART_ATTEMPTS = 5;

const defaultPause = (attempt: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, Math.min(1000 * 2 ** attempt, 15_000));
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

/**
 * Sends the file in parts: continues the multipart upload in progress (a publish again after a
 * failure), else starts one; a failed part makes it ask what arrived and send only what is missing.
 */
async function uploadInParts(postId: string, file: Blob, multipart: NonNullable<PublishApi['multipart']>, onStep: (step: PublishStep) => void, signal?: AbortSignal) {
  let state = (await multipart.parts(postId, signal)) ?? (await multipart.start(postId, signal));
  for (let attempt = 0; ; attempt++) {
    let received = state.parts_received.reduce((sum, part) => sum + part.size_bytes, 0);
    let failure: unknown;
    for (const part of state.parts_missing) {
      onStep({ step: 'uploading', fraction: received / file.size });
      const start = (part.part_number - 1) * state.part_size_bytes;
      try {
        await multipart.uploadPart(part.url, file.slice(start, start + part.size_bytes), signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        failure = error;
        break;
      }
      received += part.size_bytes;
    }
    if (failure === undefined) {
      onStep({ step: 'uploading', fraction: 1 });
      return;
    }
    if (attempt + 1 >= MULTIPART_ATTEMPTS) throw failure;
    await (multipart.pause ?? defaultPause)(attempt, signal);
    state = (await multipart.parts(postId, signal)) ?? (await multipart.start(postId, signal));
  }
}

/** Publishes the post; resolves with the post as the API last answered (with its image, when there is one). */
export async function publishPost(input: PublishInput, api: PublishApi, onStep: (step: PublishStep) => void = () => {}, signal?: AbortSignal): Promise<Post> {
  const base: PostCreate = { content: input.content, ...(input.title ? { title: input.title } : {}), ...(input.id ? { id: input.id } : {}) };
  if (!input.image) {
    onStep({ step: 'creating' });
    try {
      return await api.createPost(base, signal);
    } catch (error) {
      throw new PublishError('creating', messageOf(error));
    }
  }
  const file = input.image;

  onStep({ step: 'checking' });
  const checked = await (api.checkFile ?? checkFile)(file);
  if (!checked.ok) throw new PublishError('checking', checked.reason);

  onStep({ step: 'hashing', fraction: 0 });
  const progress = (fraction: number) => onStep({ step: 'hashing', fraction });
  const md5 = await (api.md5 ? api.md5(file, progress, signal) : fileMd5(file, { onProgress: progress, ...(signal ? { signal } : {}) }));
  const image: ImageDeclaration = { content_type: checked.contentType, size_bytes: checked.size, md5 };

  onStep({ step: 'creating' });
  let created: Post;
  try {
    created = await api.createPost({ ...base, image }, signal);
  } catch (error) {
    throw new PublishError('creating', messageOf(error));
  }
  const { upload, ...post } = created;
  if (!upload) {
    // A retry of a creation whose image already arrived: nothing more to send.
    return post;
  }

  onStep({ step: 'uploading' });
  try {
    if (api.multipart && file.size >= MULTIPART_FROM_BYTES) await uploadInParts(post.id, file, api.multipart, onStep, signal);
    else await api.uploadToStorage(upload, file, signal);
  } catch (error) {
    throw new PublishError('uploading', messageOf(error), post);
  }

  onStep({ step: 'completing' });
  try {
    return await api.completeImageUpload(post.id, signal);
  } catch (error) {
    throw new PublishError('completing', messageOf(error), post);
  }
}
