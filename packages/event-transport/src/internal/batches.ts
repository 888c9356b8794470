import { TransportError } from '../errors.js';
import type { BatchHandler, BatchOptions, RecordBatch, RecordHandler } from '../types.js';

export const DEFAULT_MAX_BATCH_SIZE = 500;

export function resolveMaxBatchSize(options: BatchOptions | undefined): number {
  const size = options?.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new TransportError(
      'ERR_TRANSPORT_CONSUMER_FAILED',
      `Invalid maxBatchSize ${String(size)}: expected a positive integer`,
    );
  }
  return size;
}

/**
 * Runs a batch handler and turns what it resolved with into the number of records handled.
 * A count that is not an integer between 0 and the batch size is a bug in the handler; it is
 * treated like a rejection (nothing committed, the batch comes again) rather than guessed at,
 * so that no record is ever skipped because of it.
 */
export async function handleBatch(handler: BatchHandler, batch: RecordBatch): Promise<number> {
  const result = await handler(batch);
  if (result === undefined) return batch.records.length;
  if (!Number.isInteger(result) || result < 0 || result > batch.records.length) {
    throw new TransportError(
      'ERR_TRANSPORT_CONSUMER_FAILED',
      `The batch handler resolved with ${String(result)}; expected an integer from 0 to ${batch.records.length}, or undefined`,
    );
  }
  return result;
}

/** run() in terms of runBatches(): each batch holds one record, handled by `handler`. */
export function oneRecordAtATime(handler: RecordHandler): BatchHandler {
  return async (batch) => {
    for (const record of batch.records) await handler(record);
  };
}
