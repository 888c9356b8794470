import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Minio from 'minio';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { uploadKey, type UploadJob } from '../src/index.js';
import { md5OfFile, startHarness, tempDir, uploadMetadata, type Harness } from './helpers.js';
import { bmpSideFor, writeBmpFile } from './images.js';

const child = fileURLToPath(new URL('./fixtures/process-one.ts', import.meta.url));
const MB = 1024 * 1024;

function withoutCoverage(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, NODE_OPTIONS: _options, ...rest } = env;
  return rest;
}

/**
 * What the worker may add to its resident memory while it handles one 100 MB image: a band of
 * rows, sharp's scanline buffers, stream buffers, and the decoder's used bands until V8 collects
 * them (it does when they add up to some tens of MB): 45 to 85 MB measured. Holding the file
 * whole (100 MB) does not fit, nor does decoding it whole (490 MB measured).
 */
const MAX_GROWTH = 128 * MB;

/**
 * The same for a JPEG, counting the worker's own (anonymous) memory only: the download's used
 * chunks until V8 collects them, sharp's scanlines (about 60 MB measured). Holding the file
 * whole would add 100 MB to that, decoding it whole 108 MB.
 */
const MAX_ANONYMOUS_GROWTH = 112 * MB;

/** Runs the worker's processUpload on one upload in a process of its own, and reads its memory report. */
async function processInChild(t: Test, h: Harness, ref: UploadJob) {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', child], {
    env: {
      // Without the test runner's coverage hooks, which would weigh on the child's memory.
      ...withoutCoverage(process.env),
      S3_ENDPOINT: h.s3Endpoint.endpoint,
      S3_ACCESS_KEY: h.s3Endpoint.accessKey,
      S3_SECRET_KEY: h.s3Endpoint.secretKey,
      MEDIA_BUCKET: h.bucket,
      MEDIA_WORK_DIR: tempDir(t, 'herald-media-work-'),
      MEDIA_CONCURRENCY: '1',
      // As the worker is deployed (docker-compose.yml): glibc's per-thread arenas otherwise keep
      // freed memory of libvips's threads resident (about 40 MB more here).
      MALLOC_ARENA_MAX: '2',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stdin.end(`${JSON.stringify(ref)}\n`);
  const [code] = (await once(proc, 'exit')) as [number];
  t.equal(code, 0);
  return JSON.parse(output) as {
    outcomes: unknown[];
    published: Array<{ type: string; data: object }>;
    seconds: number;
    baselineRss: number;
    peakRss: number;
    baselineAnonRss: number;
    peakAnonRss: number;
    peakFileRss: number;
  };
}

/** Stores a large file as an upload, in one PUT (the in-process S3 lists no multipart uploads, which the client's multipart path asks for). */
async function putLarge(h: Harness, ref: UploadJob, path: string, type: string) {
  const { hostname, port } = new URL(h.s3Endpoint.endpoint);
  const oneRequest = new Minio.Client({ endPoint: hostname, port: Number(port), useSSL: false, accessKey: h.s3Endpoint.accessKey, secretKey: h.s3Endpoint.secretKey, region: 'us-east-1', pathStyle: true, partSize: 128 * MB });
  await oneRequest.fPutObject(h.bucket, uploadKey(ref), path, uploadMetadata(ref, await md5OfFile(path), type));
}

t.test("the worker's memory stays flat while it handles a 100 MB image", { timeout: 300_000 }, async (t) => {
  const h = await startHarness(t);
  const dir = tempDir(t, 'herald-media-big-');

  t.test('a 100 MB BMP (decoded by bmp-ts a band at a time)', async (t) => {
    const path = join(dir, 'big.bmp');
    const side = bmpSideFor(100 * MB);
    const size = await writeBmpFile(path, side, side);
    t.ok(size > 99 * MB && size <= 100 * MB, `a BMP of ${size} bytes (${side}x${side})`);
    const ref = h.newUpload();
    await putLarge(h, ref, path, 'image/bmp');
    const report = await processInChild(t, h, ref);
    t.match(report.outcomes, [{ outcome: 'ready' }]);
    t.match(report.published, [{ type: 'PostImageReady', data: { source_type: 'image/bmp', source_width: side, size_bytes: size } }]);
    const growth = report.peakRss - report.baselineRss;
    t.comment(`RSS ${Math.round(report.baselineRss / MB)} MB before, peak ${Math.round(report.peakRss / MB)} MB, in ${report.seconds.toFixed(1)} s`);
    t.ok(growth < MAX_GROWTH, `resident memory grew by ${Math.round(growth / MB)} MB (at most ${MAX_GROWTH / MB} MB)`);
  });

  t.test('a 100 MB JPEG (decoded by sharp from the file)', async (t) => {
    const path = join(dir, 'big.jpg');
    const side = 5992; // noise at quality 100 takes about 2.9 bytes a pixel: 100 MB
    await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(path);
    const { size } = await stat(path);
    t.ok(size > 80 * MB && size <= 100 * MB, `a JPEG of ${size} bytes (${side}x${side})`);
    const ref = h.newUpload();
    await putLarge(h, ref, path, 'image/jpeg');
    const report = await processInChild(t, h, ref);
    t.match(report.published, [{ type: 'PostImageReady', data: { source_type: 'image/jpeg', source_width: side, size_bytes: size } }]);
    // libvips maps the file it reads: those pages count in RSS but belong to the page cache (the
    // kernel drops them under pressure). What the worker holds itself is the anonymous part.
    const anonymous = report.peakAnonRss - report.baselineAnonRss;
    t.comment(`RSS ${Math.round(report.baselineRss / MB)} MB before, peak ${Math.round(report.peakRss / MB)} MB (file-backed at most ${Math.round(report.peakFileRss / MB)} MB), anonymous grew by ${Math.round(anonymous / MB)} MB, in ${report.seconds.toFixed(1)} s`);
    t.ok(anonymous < MAX_ANONYMOUS_GROWTH, `anonymous memory grew by ${Math.round(anonymous / MB)} MB (at most ${MAX_ANONYMOUS_GROWTH / MB} MB)`);
  });
});
