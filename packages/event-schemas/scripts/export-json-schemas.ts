/**
 * Writes every event schema as `schemas/<Type>.v<version>.json` (for consumers outside
 * TypeScript) plus `schemas/asyncapi.json`. A file for a released version is never rewritten with
 * different content: the published-schemas test fails first, asking for a version bump.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAsyncApiDocument, eventCatalog, eventTypes } from '@herald/event-schemas';

const schemasDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
await mkdir(schemasDir, { recursive: true });
for (const type of eventTypes) {
  const { version, schema } = eventCatalog[type];
  await writeFile(join(schemasDir, `${type}.v${version}.json`), `${JSON.stringify(schema, null, 2)}\n`);
}
await writeFile(join(schemasDir, 'asyncapi.json'), `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
console.log(`wrote ${eventTypes.length} event schemas and asyncapi.json to ${schemasDir}`);
