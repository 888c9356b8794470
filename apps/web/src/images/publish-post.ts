/**
 * Writing a post from the dashboard, with or without an image, as the steps the composer shows:
 * the image is checked, its MD5 computed in chunks, the post created with the image declared, the
 * bytes sent straight to storage with the presigned POST the API answered, and the completion
 * called. The image is then `pending` until the media worker's verdict comes (by the event
 * stream, or by reading the posts again).
 *
 * The single presigned POST sends the whole file in one request. The API also offers resumable
 * multipart uploads (`/image/multipart`, `/image/parts`) for large files on unstable connections;
 * the dashboard does not use them yet.
 */
import type { ImageDeclaration, ImageUpload, Post, PostCreate } from '../api/types.js';
import { checkFile, type ImageFileCheck } from './image-file.js';
import { fileMd5 } from './file-md5.js';

export type PublishStep =
  | { step: 'checking' }
  | { step: 'hashing'; fraction: number }
  | { step: 'creating' }
  | { step: 'uploading' }
  | { step: 'completing' };

/** What publishing needs of the API and of storage (fetch-based in the page, fakes in tests). */
export interface PublishApi {
  createPost(input: PostCreate, signal?: AbortSignal): Promise<Post>;
  uploadToStorage(upload: ImageUpload, file: Blob, signal?: AbortSignal): Promise<void>;
  completeImageUpload(postId: string, signal?: AbortSignal): Promise<Post>;
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
    await api.uploadToStorage(upload, file, signal);
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
