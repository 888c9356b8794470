import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildAsyncApiDocument, eventCatalog, eventTypes } from '@herald/event-schemas';

// A released schema version is immutable: consumers pin it through `dataschema`. Changing a schema
// without bumping its version makes this test fail; `npm run export-schemas -w packages/event-schemas`
// then writes the new version's file next to the old ones.
const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));

t.test('each event schema equals the published JSON file of its version', async (t) => {
  for (const type of eventTypes) {
    const { version, schema } = eventCatalog[type];
    const file = join(schemasDir, `${type}.v${version}.json`);
    const published = JSON.parse(await readFile(file, 'utf8'));
    t.same(published, JSON.parse(JSON.stringify(schema)), `${type} v${version} unchanged since published`);
  }
});

t.test('no published schema file has been removed from the catalog', async (t) => {
  const files = (await readdir(schemasDir)).filter((f) => /\.v\d+\.json$/.test(f));
  for (const file of files) {
    const [, type, version] = /^(\w+)\.v(\d+)\.json$/.exec(file)!;
    t.ok(type! in eventCatalog, `${type} still catalogued`);
    t.ok(eventCatalog[type as keyof typeof eventCatalog].version >= Number(version), `${file} not downgraded`);
  }
});

t.test('the published AsyncAPI document is the generated one', async (t) => {
  const published = JSON.parse(await readFile(join(schemasDir, 'asyncapi.json'), 'utf8'));
  t.same(published, JSON.parse(JSON.stringify(buildAsyncApiDocument())));
});
