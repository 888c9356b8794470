import type { UploadJob, UploadOutcome } from './process-upload.js';
import { uploadKey } from './keys.js';

/**
 * Runs at most `concurrency` uploads at once in this process, whichever partitions and signals
 * they come from; the same upload asked for again while in hand (its notification delivered
 * twice, or its PostImageUploaded twice) shares the run already under way.
 */
export interface UploadQueue {
  run(job: UploadJob, work: (job: UploadJob) => Promise<UploadOutcome>): Promise<UploadOutcome>;
  /** Uploads in hand or waiting for a slot. */
  size(): number;
}

export function createUploadQueue(concurrency: number): UploadQueue {
  const inFlight = new Map<string, Promise<UploadOutcome>>();
  const waiting: Array<() => void> = [];
  let running = 0;
  const acquire = async () => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    run(job, work) {
      const key = `${uploadKey(job)}|${job.authorId ?? ''}`;
      const current = inFlight.get(key);
      if (current) return current;
      const run = (async () => {
        await acquire();
        try {
          return await work(job);
        } finally {
          release();
        }
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, run);
      return run;
    },
    size: () => inFlight.size,
  };
}
