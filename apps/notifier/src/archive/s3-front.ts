import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';

/**
 * An S3 event notification as MinIO publishes it to Kafka (one record per object): the shape the
 * media worker reads from `herald.media-uploads` whichever storage sent it.
 */
export interface StorageNotification {
  EventName: string;
  Key: string;
  Records: Array<{
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    userIdentity: { principalId: string };
    requestParameters: Record<string, string>;
    responseElements: Record<string, string>;
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      object: { key: string; size: number; eTag: string; contentType?: string; userMetadata?: Record<string, string>; sequencer: string };
    };
    source: { host: string; port: string; userAgent: string };
  }>;
}

export interface StorageNotificationOptions {
  /** Only objects whose key starts with this are announced (MinIO's prefix filter), e.g. `uploads/`. */
  prefix: string;
  /** Receives each notification; a failure is logged by the caller, the upload itself stands. */
  send(notification: StorageNotification): Promise<void>;
}

/** What the front needs of s3rver's filesystem store (s3rver is CommonJS without typings). */
interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<unknown>;
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number> | null>;
  putObject(object: unknown): Promise<{ size: number; md5: string }>;
}
type S3ObjectConstructor = new (bucket: string, key: string, content: unknown, metadata: Record<string, string>) => unknown;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function sendXml(res: ServerResponse, status: number, body: string) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/xml');
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra = '') {
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${extra}<RequestId>${randomUUID()}</RequestId></Error>`);
}

/** Browsers (the dashboard) upload straight to storage: every answer allows any origin. */
function allowCors(req: IncomingMessage, res: ServerResponse) {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'ETag, Location, x-amz-request-id, x-amz-version-id');
}

function answerPreflight(req: IncomingMessage, res: ServerResponse) {
  res.statusCode = 200;
  res.setHeader('access-control-allow-methods', 'GET, HEAD, PUT, POST, DELETE');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('access-control-max-age', '3000');
  res.end();
}

export class PolicyViolation extends Error {}

/** A POST policy's conditions, checked against the form's fields (names lower-cased). */
export function checkPostPolicy(
  policyBase64: string | undefined,
  fields: ReadonlyMap<string, string>,
  bucket: string,
  now = new Date(),
): { minSize: number; maxSize: number } {
  if (!policyBase64) throw new PolicyViolation('Bucket POST must contain a policy');
  let policy: { expiration?: string; conditions?: unknown[] };
  try {
    policy = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw new PolicyViolation('Invalid Policy: Invalid JSON.');
  }
  if (!policy.expiration || !(Date.parse(policy.expiration) > now.getTime())) throw new PolicyViolation('Invalid according to Policy: Policy expired.');
  if (!Array.isArray(policy.conditions)) throw new PolicyViolation('Invalid Policy: no conditions.');
  const valueOf = (name: string) => (name === 'bucket' ? bucket : fields.get(name));
  const covered = new Set<string>(['bucket']);
  let minSize = 0;
  let maxSize = Number.POSITIVE_INFINITY;
  const fail = (condition: unknown) => new PolicyViolation(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      const [op, name, value] = condition as [string, string | number, string | number];
      if (String(op).toLowerCase() === 'content-length-range') {
        minSize = Number(name);
        maxSize = Number(value);
        continue;
      }
      const field = String(name).replace(/^\$/, '').toLowerCase();
      covered.add(field);
      const actual = valueOf(field);
      if (String(op).toLowerCase() === 'eq' && actual !== String(value)) throw fail(condition);
      if (String(op).toLowerCase() === 'starts-with' && !(actual ?? '').startsWith(String(value))) throw fail(condition);
      if (!['eq', 'starts-with'].includes(String(op).toLowerCase())) throw fail(condition);
    } else if (condition && typeof condition === 'object') {
      for (const [name, value] of Object.entries(condition)) {
        const field = name.toLowerCase();
        covered.add(field);
        if (valueOf(field) !== String(value)) throw fail(condition);
      }
    } else {
      throw fail(condition);
    }
  }
  // As S3: every field of the form is named by the policy, save these.
  for (const name of fields.keys()) {
    if (['policy', 'x-amz-signature', 'signature', 'awsaccesskeyid', 'file'].includes(name) || name.startsWith('x-ignore-')) continue;
    if (!covered.has(name)) throw new PolicyViolation(`Invalid according to Policy: Extra input fields: ${name}`);
  }
  return { minSize, maxSize };
}

/**
 * What s3rver lacks for direct uploads, in front of it in the same HTTP server: POST policy
 * uploads whose conditions are enforced (key, content type, metadata, content-length-range: an
 * oversize file is refused and nothing is stored), listing and aborting multipart uploads, CORS,
 * and storage notifications for created objects. Signatures of POST policies are not verified
 * (the embedded S3 takes one fixed key pair anyway); their conditions are.
 */
export function createS3Front(options: {
  s3rverHandler: Handler;
  store: S3rverStore;
  tempDirectory: string;
  notifications?: StorageNotificationOptions;
  onNotifyError?: (error: unknown) => void;
  host: string;
  port: () => number;
}): Handler {
  const require = createRequire(import.meta.url);
  const S3Object = require('s3rver/lib/models/object') as S3ObjectConstructor;
  const { store } = options;

  async function notify(eventName: string, bucket: string, key: string, req: IncomingMessage) {
    if (!options.notifications || !key.startsWith(options.notifications.prefix)) return;
    const metadata = (await store.getMetadata(bucket, key)) ?? {};
    const userMetadata = Object.fromEntries(
      Object.entries(metadata)
        .filter(([name]) => name.startsWith('x-amz-meta-'))
        .map(([name, value]) => [name.replace(/^x-amz-meta-/, 'X-Amz-Meta-'), String(value)]),
    );
    const record = {
      eventVersion: '2.0',
      eventSource: 'minio:s3',
      awsRegion: '',
      eventTime: new Date().toISOString(),
      eventName,
      userIdentity: { principalId: 'S3RVER' },
      requestParameters: { sourceIPAddress: req.socket.remoteAddress ?? '' },
      responseElements: {},
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'Config',
        bucket: { name: bucket, ownerIdentity: { principalId: 'S3RVER' }, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: encodeURIComponent(key),
          size: Number(metadata['content-length'] ?? 0),
          eTag: String(metadata.etag ?? '').replace(/"/g, ''),
          contentType: String(metadata['content-type'] ?? ''),
          userMetadata,
          sequencer: Date.now().toString(16).toUpperCase(),
        },
      },
      source: { host: options.host, port: String(options.port()), userAgent: String(req.headers['user-agent'] ?? '') },
    };
    await options.notifications.send({ EventName: eventName, Key: `${bucket}/${key}`, Records: [record] });
  }

  const notifyLater = (eventName: string, bucket: string, key: string, req: IncomingMessage) =>
    void notify(eventName, bucket, key, req).catch((error) => options.onNotifyError?.(error));

  const uploadDir = (bucket: string, uploadId: string) => join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);

  async function listParts(res: ServerResponse, bucket: string, key: string, uploadId: string) {
    const dir = uploadDir(bucket, uploadId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.', `<UploadId>${xmlEscape(uploadId)}</UploadId>`);
    }
    const numbers = names.filter((name) => /^[0-9]+$/.test(name)).map(Number).sort((a, b) => a - b);
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const [info, md5] = await Promise.all([stat(join(dir, String(n))), readFile(join(dir, `${n}.md5`), 'utf8').catch(() => '')]);
        return `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${info.size}</Size></Part>`;
      }),
    );
    sendXml(
      res,
      200,
      `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
        `<UploadId>${xmlEscape(uploadId)}</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker>` +
        `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
    );
  }

  async function abortUpload(res: ServerResponse, bucket: string, uploadId: string) {
    const dir = uploadDir(bucket, uploadId);
    try {
      await stat(dir);
    } catch {
      return sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.', `<UploadId>${xmlEscape(uploadId)}</UploadId>`);
    }
    await rm(dir, { recursive: true, force: true });
    res.statusCode = 204;
    res.end();
  }

  /** A browser-style POST upload: the policy's conditions are checked before anything is stored. */
  async function postObject(req: IncomingMessage, res: ServerResponse, bucket: string) {
    if (!(await store.getBucket(bucket))) {
      req.resume();
      return sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    await mkdir(options.tempDirectory, { recursive: true });
    const tempFile = join(options.tempDirectory, `post-${randomUUID()}`);
    const fields = new Map<string, string>();
    let outcome: { status: number; code?: string; message?: string; stored?: { key: string; md5: string } } | undefined;
    const parser = busboy({ headers: req.headers, limits: { files: 1, fields: 100, fieldSize: 64 * 1024 } });
    const files: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      if (!fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), value);
    });
    parser.on('file', (name, file) => {
      if (name.toLowerCase() !== 'file' || outcome) {
        file.resume();
        return;
      }
      files.push(
        (async () => {
          let limits: { minSize: number; maxSize: number };
          try {
            limits = checkPostPolicy(fields.get('policy'), fields, bucket);
          } catch (error) {
            file.resume();
            outcome = { status: 403, code: 'AccessDenied', message: (error as Error).message };
            return;
          }
          const key = fields.get('key');
          if (!key) {
            file.resume();
            outcome = { status: 400, code: 'InvalidArgument', message: "Bucket POST must contain a field named 'key'." };
            return;
          }
          let size = 0;
          let tooLarge = false;
          // Counted on the way to a temporary file: past the limit the rest is read and dropped,
          // so the client gets the answer and nothing is stored.
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              size += chunk.length;
              if (size > limits.maxSize) tooLarge = true;
              callback(null, tooLarge ? undefined : chunk);
            },
          });
          await pipeline(file, counter, createWriteStream(tempFile));
          if (tooLarge) {
            outcome = { status: 400, code: 'EntityTooLarge', message: `Your proposed upload exceeds the maximum allowed size (${limits.maxSize} bytes).` };
            return;
          }
          if (size < limits.minSize) {
            outcome = { status: 400, code: 'EntityTooSmall', message: `Your proposed upload is smaller than the minimum allowed size (${limits.minSize} bytes).` };
            return;
          }
          const metadata: Record<string, string> = {};
          for (const [name, value] of fields) {
            if (name === 'content-type' || name.startsWith('x-amz-meta-') || ['cache-control', 'content-disposition', 'content-encoding'].includes(name)) metadata[name] = value;
          }
          const { md5 } = await store.putObject(new S3Object(bucket, key, createReadStream(tempFile), metadata));
          const wanted = Number(fields.get('success_action_status'));
          outcome = { status: wanted === 200 || wanted === 201 ? wanted : 204, stored: { key, md5 } };
        })(),
      );
    });
    try {
      await pipeline(req, parser);
      await Promise.all(files);
    } catch (error) {
      outcome ??= { status: 400, code: 'MalformedPOSTRequest', message: `The body of your POST request is not well-formed multipart/form-data (${(error as Error).message}).` };
    } finally {
      await rm(tempFile, { force: true });
    }
    if (!outcome) return sendError(res, 400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    if (!outcome.stored) return sendError(res, outcome.status, outcome.code!, outcome.message!);
    notifyLater('s3:ObjectCreated:Post', bucket, outcome.stored.key, req);
    res.setHeader('etag', `"${outcome.stored.md5}"`);
    res.setHeader('location', `/${bucket}/${encodeURIComponent(outcome.stored.key)}`);
    if (outcome.status === 201) {
      return sendXml(res, 201, `<PostResponse><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(outcome.stored.key)}</Key><ETag>"${outcome.stored.md5}"</ETag></PostResponse>`);
    }
    res.statusCode = outcome.status;
    res.end();
  }

  return (req, res) => {
    allowCors(req, res);
    if (req.method === 'OPTIONS') return answerPreflight(req, res);
    let url: URL;
    let key: string;
    try {
      url = new URL(req.url ?? '/', 'http://s3.local');
      key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    } catch {
      // Not a path this front understands: s3rver answers it as it would.
      return options.s3rverHandler(req, res);
    }
    const bucket = url.pathname.split('/')[1] ?? '';
    const uploadId = url.searchParams.get('uploadId');
    const fail = (error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', (error as Error).message ?? 'internal error');
      else res.destroy();
    };
    if (req.method === 'POST' && bucket && !key && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      return void postObject(req, res, bucket).catch(fail);
    }
    if (key && uploadId !== null && req.method === 'GET') return void listParts(res, bucket, key, uploadId).catch(fail);
    if (key && uploadId !== null && req.method === 'DELETE') return void abortUpload(res, bucket, uploadId).catch(fail);
    if (key && req.method === 'POST' && uploadId !== null) {
      res.on('finish', () => res.statusCode === 200 && notifyLater('s3:ObjectCreated:CompleteMultipartUpload', bucket, key, req));
    } else if (key && req.method === 'PUT' && uploadId === null && !url.searchParams.has('tagging') && !url.searchParams.has('acl')) {
      res.on('finish', () => res.statusCode === 200 && notifyLater(req.headers['x-amz-copy-source'] ? 's3:ObjectCreated:Copy' : 's3:ObjectCreated:Put', bucket, key, req));
    }
    options.s3rverHandler(req, res);
  };
}
