/**
 * `npm run bench:media`: how fast the media worker converts images, and how much memory it holds
 * meanwhile. For inputs of 1 MB, 10 MB and 100 MB, as JPEGs (noise at quality 100, the size of
 * a photo's file with fewer pixels) and as 24-bit BMPs (the worker's most expensive path, decoded
 * by bmp-ts and re-encoded before sharp reads it), and a worker concurrency of 1, 2 and 4, a fresh worker process (the fixture of the memory test,
 * running the worker's own processUpload) converts a set of uploads from object storage (the
 * in-process S3, or S3_ENDPOINT), and reports the time and its resident memory (the kernel's
 * high-water mark). Results go to bench/results/media-<time>.md and .json, and media-latest.md.
 *
 *   npm run bench:media [-- --types jpeg,bmp --sizes 1,10,100 --concurrency 1,2,4 --images 8]
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import * as Minio from 'minio';
import sharp from 'sharp';
import { v7 } from 'uuid';
import { ensureBucket, startEmbeddedS3 } from '../../apps/notifier/src/index.js';
import { uploadKey } from '../../apps/media/src/index.js';
import { bmpSideFor, writeBmpFile } from '../../apps/media/test/images.js';
import { machineInfo } from '../publish/report.js';

const MB = 1024 * 1024;
const child = fileURLToPath(new URL('../../apps/media/test/fixtures/process-one.ts', import.meta.url));
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
const types = option('types', 'jpeg,bmp').split(',') as Array<'jpeg' | 'bmp'>;
const sizes = option('sizes', '1,10,100').split(',').map(Number);
const concurrencies = option('concurrency', '1,2,4').split(',').map(Number);
/** Images per measurement: enough for every slot to be busy a few times over, fewer for the largest. */
const imagesFor = (sizeMb: number) => Number(option('images', '0')) || (sizeMb >= 100 ? 4 : sizeMb >= 10 ? 12 : 32);

interface Measurement {
  type: 'jpeg' | 'bmp';
  sizeMb: number;
  fileBytes: number;
  side: number;
  concurrency: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** Anonymous memory (heap, buffers, decoded pixels), sampled every 10 ms, before and at its highest. */
  baselineAnonMb: number;
  peakAnonMb: number;
  loadBefore: number;
  loadAfter: number;
}

/** A JPEG of noise at quality 100 whose file is about `bytes` long (its side found from a sample's bytes per pixel). */
async function writeJpegFile(path: string, bytes: number): Promise<{ side: number; size: number }> {
  const noise = (side: number) => sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' });
  const sample = (await noise(512).toBuffer()).length / (512 * 512);
  const side = Math.round(Math.sqrt(bytes / sample));
  const info = await noise(side).toFile(path);
  return { side, size: info.size };
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

const work = await mkdtemp(join(tmpdir(), 'herald-bench-media-'));
const startedAt = new Date();
let stopS3: (() => Promise<void>) | undefined;
try {
  let target = process.env.S3_ENDPOINT
    ? { endpoint: process.env.S3_ENDPOINT, accessKey: process.env.S3_ACCESS_KEY!, secretKey: process.env.S3_SECRET_KEY! }
    : undefined;
  if (!target) {
    const s3rver = await startEmbeddedS3({ directory: join(work, 's3') });
    stopS3 = () => s3rver.close();
    target = s3rver;
  }
  const url = new URL(target.endpoint);
  // One PUT per object (partSize above the largest input): the in-process S3 lists no multipart uploads.
  const s3 = new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: url.protocol === 'https:', accessKey: target.accessKey, secretKey: target.secretKey, region: 'us-east-1', pathStyle: true, partSize: 128 * MB });
  const bucket = `herald-bench-${randomUUID().slice(0, 8)}`;
  await ensureBucket(s3, bucket);

  const measurements: Measurement[] = [];
  for (const [type, sizeMb] of types.flatMap((type) => sizes.map((size) => [type, size] as const))) {
    const path = join(work, `${sizeMb}.${type}`);
    let side: number;
    let fileBytes: number;
    if (type === 'bmp') {
      side = bmpSideFor(sizeMb * MB);
      fileBytes = await writeBmpFile(path, side, side);
    } else {
      ({ side, size: fileBytes } = await writeJpegFile(path, sizeMb * MB));
    }
    const md5 = await md5Of(path);
    for (const concurrency of concurrencies) {
      const images = imagesFor(sizeMb);
      const jobs = [];
      for (let i = 0; i < images; i++) {
        const ref = { postId: `bench-${randomUUID().slice(0, 8)}`, uploadId: v7(), authorId: randomUUID() };
        await s3.fPutObject(bucket, uploadKey(ref), path, {
          'x-amz-meta-post-id': ref.postId,
          'x-amz-meta-upload-id': ref.uploadId,
          'x-amz-meta-expected-md5': md5,
          'x-amz-meta-declared-type': `image/${type}`,
        });
        jobs.push(ref);
      }
      const workDir = join(work, `convert-${sizeMb}-${concurrency}`);
      await mkdir(workDir, { recursive: true });
      const loadBefore = loadavg()[0]!;
      const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@herald/source', child], {
        env: {
          ...process.env,
          S3_ENDPOINT: target.endpoint,
          S3_ACCESS_KEY: target.accessKey,
          S3_SECRET_KEY: target.secretKey,
          MEDIA_BUCKET: bucket,
          MEDIA_WORK_DIR: workDir,
          MEDIA_CONCURRENCY: String(concurrency),
          MALLOC_ARENA_MAX: '2', // as docker-compose.yml runs the worker
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let output = '';
      proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.stdin.end(jobs.map((job) => JSON.stringify(job)).join('\n') + '\n');
      const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
      if (code !== 0) throw new Error(`the worker process exited with ${code}`);
      const report = JSON.parse(output) as { outcomes: Array<{ outcome: string }>; seconds: number; baselineRss: number; peakRss: number; baselineAnonRss: number; peakAnonRss: number };
      const notReady = report.outcomes.filter((outcome) => outcome.outcome !== 'ready');
      if (notReady.length > 0) throw new Error(`not every image was converted: ${JSON.stringify(notReady)}`);
      const measurement: Measurement = {
        type,
        sizeMb,
        fileBytes,
        side,
        concurrency,
        images,
        seconds: report.seconds,
        imagesPerSecond: images / report.seconds,
        baselineRssMb: report.baselineRss / MB,
        peakRssMb: report.peakRss / MB,
        baselineAnonMb: report.baselineAnonRss / MB,
        peakAnonMb: report.peakAnonRss / MB,
        loadBefore,
        loadAfter: loadavg()[0]!,
      };
      measurements.push(measurement);
      process.stdout.write(
        `${type} ${sizeMb} MB x${images} at concurrency ${concurrency}: ${measurement.imagesPerSecond.toFixed(2)} images/s, RSS ${measurement.baselineRssMb.toFixed(0)} -> peak ${measurement.peakRssMb.toFixed(0)} MB (load ${loadBefore.toFixed(2)})\n`,
      );
      for (const job of jobs) {
        await s3.removeObject(bucket, uploadKey(job));
        await s3.removeObject(bucket, `images/${job.postId}/${job.uploadId}/600x600.jpg`);
      }
    }
    await rm(path, { force: true });
  }

  const machine = machineInfo();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const shared = measurements.some((m) => Math.max(m.loadBefore, m.loadAfter) > 1.5);
  const rows = measurements.map(
    (m) =>
      `| ${m.type.toUpperCase()} ${(m.fileBytes / MB).toFixed(1)} MB (${m.side}x${m.side}) | ${m.concurrency} | ${m.images} | ${m.imagesPerSecond.toFixed(2)} | ${(m.seconds / m.images * m.concurrency).toFixed(2)} | ${m.baselineRssMb.toFixed(0)} | ${m.peakRssMb.toFixed(0)} | ${(m.peakRssMb - m.baselineRssMb).toFixed(0)} | ${(m.peakAnonMb - m.baselineAnonMb).toFixed(0)} | ${m.loadBefore.toFixed(2)} / ${m.loadAfter.toFixed(2)} |`,
  );
  const markdown = `# Media worker: images per second and memory — ${startedAt.toISOString()}

Commit ${commit}. ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}. Object storage: ${process.env.S3_ENDPOINT ? `S3 at ${process.env.S3_ENDPOINT}` : 'the in-process S3 (s3rver) in the benchmark process'}. Each row is a fresh worker process (\`apps/media/test/fixtures/process-one.ts\`, the worker's own \`processUpload\`, \`MALLOC_ARENA_MAX=2\` as in docker-compose) converting the given number of uploads, MEDIA_CONCURRENCY at a time: download with MD5, sniffing, decoding (JPEG: sharp, with libjpeg's shrink-on-load; BMP: bmp-ts in 1 MB bands into an intermediate PNG), sharp's 600x600 JPEG, upload of the JPEG. Inputs: JPEGs of noise at quality 100 (4:4:4) and 24-bit BMPs, about 1, 10 and 100 MB. "Peak RSS" is the kernel's high-water mark of the process; "of it anonymous" is the growth of its anonymous part (heap, buffers, decoded pixels; sampled every 10 ms), the rest being file-backed pages: libvips maps the JPEG (or intermediate PNG) it reads, pages the kernel drops under memory pressure.

${shared ? '**The machine was shared**: the 1-minute load average went above 1.5 during the run (last column), so the figures are lower than on an idle machine.' : 'The machine was otherwise idle (1-minute load average at most 1.5 throughout).'}

| input | concurrency | images | images/s | s per image per slot | RSS before MB | peak RSS MB | RSS growth MB | of it anonymous MB | load before / after |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
  await mkdir(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  await writeFile(join(resultsDir, `media-${stamp}.md`), markdown);
  await writeFile(join(resultsDir, `media-${stamp}.json`), JSON.stringify({ startedAt, finishedAt: new Date(), commit, machine, measurements }, null, 2));
  await writeFile(join(resultsDir, 'media-latest.md'), markdown);
  process.stdout.write(`\n${markdown}`);
} finally {
  await stopS3?.();
  await rm(work, { recursive: true, force: true });
}
