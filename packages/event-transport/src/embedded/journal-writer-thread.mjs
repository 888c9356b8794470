// @ts-check
/**
 * The thread that writes an embedded broker's record journal (see record-journal.ts). Turning
 * records into JSON lines is most of what persistence costs, so it happens here rather than on
 * the broker's thread, which on the embedded default is the API's HTTP thread. Plain JavaScript
 * on purpose: a worker's entry point runs without the TypeScript loader of its parent.
 *
 * Each request is written with one write(2) (plus fdatasync with `fsync`) before its reply is
 * posted; the broker acknowledges the produce calls it holds only after that reply.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ file: string; fsync: boolean; fileSize: number }} */
const { file, fsync, fileSize: initialSize } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const fd = openSync(file, 'a');
/** Bytes of complete lines in the file: where a failed write is cut back to. */
let fileSize = initialSize;

/**
 * @typedef {{ topic: string; partition: number; base: number; keys: string[]; values: string[]; headers: Record<string, string>[] }} PartitionAppend
 * @param {{ id: number; timestamp: number; partitions: PartitionAppend[] } | { op: 'close' }} request
 */
function handle(request) {
  if ('op' in request) {
    closeSync(fd);
    port.close();
    return;
  }
  let text = '';
  for (const { topic, partition, base, keys, values, headers } of request.partitions) {
    // Same JSON as JSON.stringify of {topic, partition, offset, timestamp, key, value, headers},
    // put together by hand because it is cheaper.
    const prefix = `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":`;
    const timestamp = `,"timestamp":${request.timestamp},"key":`;
    for (let index = 0; index < keys.length; index++) {
      text +=
        prefix +
        (base + index) +
        timestamp +
        JSON.stringify(keys[index]) +
        ',"value":' +
        JSON.stringify(values[index]) +
        ',"headers":' +
        JSON.stringify(headers[index]) +
        '}\n';
    }
  }
  const data = Buffer.from(text);
  try {
    for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
    if (fsync) fdatasyncSync(fd);
    fileSize += data.length;
    port.postMessage({ id: request.id, ok: true });
  } catch (error) {
    try {
      ftruncateSync(fd, fileSize);
    } catch {
      // The next write reports the problem again.
    }
    port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', handle);
