import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Minio from 'minio';
import t from 'tap';
import { uploadKey } from '../src/index.js';
import { md5OfFile, startHarness, tempDir, uploadMetadata } from './helpers.js';
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

t.test("the worker's memory stays flat while it handles a 100 MB image", { timeout: 300_000 }, async (t) => {
  const h = await startHarness(t);
  const dir = tempDir(t, 'herald-media-big-');
  const path = join(dir, 'big.bmp');
  const side = bmpSideFor(100 * MB);
  const size = await writeBmpFile(path, side, side);
  t.ok(size > 99 * MB && size <= 100 * MB, `a BMP of ${size} bytes (${side}x${side})`);
  const ref = h.newUpload();
  // One PUT (the in-process S3 lists no multipart uploads, which the client's multipart path asks for).
  const { hostname, port } = new URL(h.s3Endpoint.endpoint);
  const oneRequest = new Minio.Client({ endPoint: hostname, port: Number(port), useSSL: false, accessKey: h.s3Endpoint.accessKey, secretKey: h.s3Endpoint.secretKey, region: 'us-east-1', pathStyle: true, partSize: 128 * MB });
  await oneRequest.fPutObject(h.bucket, uploadKey(ref), path, uploadMetadata(ref, await md5OfFile(path), 'image/bmp'));

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
  const report = JSON.parse(output) as { outcomes: unknown[]; published: Array<{ type: string; data: object }>; baselineRss: number; peakRss: number; seconds: number };
  t.match(report.outcomes, [{ outcome: 'ready' }]);
  t.match(report.published, [{ type: 'PostImageReady', data: { source_type: 'image/bmp', source_width: side, size_bytes: size } }]);
  const growth = report.peakRss - report.baselineRss;
  t.comment(`RSS ${Math.round(report.baselineRss / MB)} MB before, peak ${Math.round(report.peakRss / MB)} MB, in ${report.seconds.toFixed(1)} s`);
  t.ok(growth < MAX_GROWTH, `resident memory grew by ${Math.round(growth / MB)} MB (at most ${MAX_GROWTH / MB} MB)`);
});
