/**
 * Renders a run's Markdown again from its JSON (after a change to the report's wording):
 * `node --import tsx --conditions=@herald/source bench/feed/render.ts bench/results/feed-<time>.json`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderMarkdown, type RunReport } from './report.js';

for (const file of process.argv.slice(2)) {
  const report = JSON.parse(await readFile(file, 'utf8')) as RunReport;
  await writeFile(file.replace(/\.json$/, '.md'), renderMarkdown(report));
  process.stdout.write(`${file.replace(/\.json$/, '.md')}\n`);
}
