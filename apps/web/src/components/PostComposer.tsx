import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { completeImageUpload, createPost, fetchImageParts, startImageMultipart, uploadPart, uploadToStorage, type Fetch } from '../api/client.js';
import type { Post } from '../api/types.js';
import { useApiFetch } from '../hooks/useApiFetch.js';
import { ACCEPTED_IMAGE_TYPES, checkFile, formatBytes, type ImageFileCheck } from '../images/image-file.js';
import { publishPost, PublishError, type PublishApi, type PublishStep } from '../images/publish-post.js';

/** Storage is not the API: no bearer token goes there, only the presigned request's own fields. */
const storageFetch: Fetch = (input, init) => fetch(input, init);

/** The length of a post's text once trimmed (openapi.yaml's PostContent). */
const MAX_CONTENT = 1000;
const MAX_TITLE = 200;

/** A fresh post id (a UUID v4), chosen here so that publishing again after a failure is the same post. */
function newPostId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function stepText(step: PublishStep, size: number | undefined): string {
  switch (step.step) {
    case 'checking':
      return 'Checking the image…';
    case 'hashing':
      return `Computing the image's checksum… ${Math.floor(step.fraction * 100)} %`;
    case 'creating':
      return 'Creating the post…';
    case 'uploading': {
      const what = size !== undefined ? `Uploading ${formatBytes(size)} to storage…` : 'Uploading to storage…';
      return step.fraction !== undefined ? `${what} ${Math.floor(step.fraction * 100)} %` : what;
    }
    case 'completing':
      return 'Finishing the upload…';
  }
}

const FAILED: Record<PublishStep['step'], string> = {
  checking: 'The image cannot be sent',
  hashing: 'The image could not be read',
  creating: 'The post could not be created',
  uploading: 'The post was created, but its image could not be uploaded',
  completing: 'The post was created and its image uploaded, but the upload could not be completed',
};

interface PostComposerProps {
  /** The post as the API answered (with its image pending, when it has one). */
  onPublished(post: Post): void;
}

/**
 * Writes a post as the signed-in user: text and, optionally, one image (PNG, JPEG or BMP, at most
 * 100 MB), which goes straight to storage with the presigned request the API answers; the media
 * worker then converts it. Everything typed is sent as text; nothing is rendered as HTML.
 */
export function PostComposer({ onPublished }: PostComposerProps) {
  const apiFetch = useApiFetch();
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [check, setCheck] = useState<ImageFileCheck | undefined>();
  const [step, setStep] = useState<PublishStep | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);
  /** The id of the post being written; kept after a failure, so publishing again continues it. */
  const postId = useRef<string | undefined>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);

  const busy = step !== undefined;
  const fileRefused = file !== undefined && check !== undefined && !check.ok;
  const canPublish = !busy && content.trim() !== '' && !fileRefused && (file === undefined || check !== undefined);

  /** Another text or file is another post. */
  const changed = () => {
    postId.current = undefined;
    setError(undefined);
    setNotice(undefined);
  };

  async function chooseFile(event: ChangeEvent<HTMLInputElement>) {
    changed();
    const chosen = event.target.files?.[0];
    setFile(chosen);
    setCheck(undefined);
    if (!chosen) return;
    const checked = await checkFile(chosen).catch((): ImageFileCheck => ({ ok: false, reason: 'The file could not be read.' }));
    // Only the answer about the file still chosen counts.
    if (fileInput.current?.files?.[0] === chosen) setCheck(checked);
  }

  function removeFile() {
    changed();
    setFile(undefined);
    setCheck(undefined);
    if (fileInput.current) fileInput.current.value = '';
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!canPublish) return;
    setError(undefined);
    setNotice(undefined);
    postId.current ??= newPostId();
    const abort = new AbortController();
    controller.current = abort;
    const api: PublishApi = {
      createPost: (input, signal) => createPost(input, apiFetch, signal),
      uploadToStorage: (upload, blob, signal) => uploadToStorage(upload, blob, storageFetch, signal),
      completeImageUpload: (id, signal) => completeImageUpload(id, apiFetch, signal),
      multipart: {
        start: (id, signal) => startImageMultipart(id, apiFetch, signal),
        parts: (id, signal) => fetchImageParts(id, apiFetch, signal),
        uploadPart: (url, part, signal) => uploadPart(url, part, storageFetch, signal),
      },
    };
    try {
      const post = await publishPost({ id: postId.current, title: title.trim(), content, ...(file ? { image: file } : {}) }, api, setStep, abort.signal);
      if (abort.signal.aborted) return;
      onPublished(post);
      postId.current = undefined;
      setTitle('');
      setContent('');
      removeFile();
      setNotice(post.image?.status === 'pending' ? 'Posted. The image is being converted.' : 'Posted.');
    } catch (failure) {
      if (abort.signal.aborted) return;
      if (failure instanceof PublishError) {
        if (failure.post) onPublished(failure.post);
        const again = failure.step === 'checking' ? '' : ' Publish again to retry.';
        setError(`${FAILED[failure.step]}: ${failure.message}.${again}`);
      } else {
        setError(`The post could not be published: ${failure instanceof Error ? failure.message : String(failure)}.`);
      }
    } finally {
      if (!abort.signal.aborted) setStep(undefined);
    }
  }

  return (
    <form className="post-composer" data-testid="post-composer" onSubmit={submit} aria-label="Write a post" data-busy={busy || undefined}>
      <label className="post-composer-field">
        <span>Title (optional)</span>
        <input type="text" value={title} maxLength={MAX_TITLE} disabled={busy} onChange={(e) => {
            changed();
            setTitle(e.target.value);
          }} />
      </label>
      <label className="post-composer-field">
        <span>Post text</span>
        <textarea value={content} rows={3} maxLength={MAX_CONTENT} required disabled={busy} onChange={(e) => {
            changed();
            setContent(e.target.value);
          }} />
      </label>
      <div className="post-composer-row">
        <label className="post-composer-file">
          <span>Image (PNG, JPEG or BMP, up to {formatBytes(100 * 1024 * 1024)})</span>
          <input ref={fileInput} type="file" accept={ACCEPTED_IMAGE_TYPES.join(',')} disabled={busy} onChange={(e) => void chooseFile(e)} data-testid="post-composer-file" />
        </label>
        {file && (
          <span className="post-composer-chosen" data-testid="post-composer-chosen">
            <span className="post-composer-name">{file.name}</span> · {formatBytes(file.size)}
            <button type="button" className="link-button" onClick={removeFile} disabled={busy}>
              Remove
            </button>
          </span>
        )}
        <button type="submit" className="post-composer-submit" disabled={!canPublish}>
          Publish
        </button>
      </div>
      {file && check && !check.ok && (
        <p className="error-note" role="alert" data-testid="post-composer-refused">
          {check.reason}
        </p>
      )}
      {step && (
        <p className="post-composer-step" role="status" data-testid="post-composer-step" data-step={step.step}>
          {stepText(step, file?.size)}
          {(step.step === 'hashing' || (step.step === 'uploading' && step.fraction !== undefined)) && <progress max={1} value={step.fraction} />}
        </p>
      )}
      {error && (
        <p className="error-note" role="alert" data-testid="post-composer-error">
          {error}
        </p>
      )}
      {notice && !error && !step && (
        <p className="post-composer-notice" role="status" data-testid="post-composer-notice">
          {notice}
        </p>
      )}
    </form>
  );
}
