import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { browserUnavailable, openDashboard } from '@herald/web/testing';
import t from 'tap';
import { dashboardUrls } from '../src/plugins/dashboard.js';
import { startTestHerald } from './helpers/herald.js';

// An image post written in the dashboard, end to end on the embedded default: the browser hashes
// the file, creates the post, uploads the bytes straight to the in-process S3 with the presigned
// POST, completes the upload; the media worker (in the API's consumer thread) converts it, and the
// dashboard shows the 600x600 JPEG from storage, under the page's Content-Security-Policy.

const skip = browserUnavailable() ?? (dashboardUrls().size === 0 ? 'apps/web is not built (npm run build -w apps/web)' : undefined);

/**
 * A real PNG (8-bit RGB) written here, so the test needs no image library: a gradient, or noise,
 * which does not compress (a file as large as its pixels).
 */
function png(width: number, height: number, { noise = false } = {}): Buffer {
  const rowBytes = width * 3 + 1;
  const raw = noise ? randomBytes(rowBytes * height) : Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    raw[y * rowBytes] = 0; // no filter
    if (noise) continue;
    for (let x = 0; x < width; x++) {
      const at = y * rowBytes + 1 + x * 3;
      raw[at] = Math.round((x / width) * 255);
      raw[at + 1] = Math.round((y / height) * 255);
      raw[at + 2] = 160;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter choice, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: noise ? 0 : 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Records every Content-Security-Policy violation of the page from its first moment. */
const watchViolations = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

t.test('an image post written in the dashboard shows its converted 600x600 image', { skip }, async (t) => {
  const herald = await startTestHerald(t, { IN_PROCESS_CONSUMERS: 'true' });
  await herald.consumers;
  const writer = await herald.signUp();
  const dashboard = await openDashboard(herald.url, { handle: writer.handle, password: writer.password }, { prepare: (page) => page.addInitScript(watchViolations) });
  t.teardown(() => dashboard.close());
  const { page } = dashboard;
  const storage = herald.media.publicOrigin;
  const requests: string[] = [];
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));

  const composer = page.locator('[data-testid="post-composer"]');
  await composer.waitFor();

  t.test('a file that is not an image is refused before anything is sent', async (t) => {
    await composer.getByLabel('Post text').fill('not a picture');
    await composer.locator('[data-testid="post-composer-file"]').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some text, named .png') });
    const refused = composer.locator('[data-testid="post-composer-refused"]');
    await refused.waitFor({ timeout: 5_000 });
    t.match(await refused.innerText(), /not a PNG, JPEG or BMP image/);
    t.ok(await composer.getByRole('button', { name: 'Publish' }).isDisabled(), 'Publish is off');
    await composer.getByRole('button', { name: 'Remove' }).click();
    await composer.getByLabel('Post text').fill('');
    t.notOk(requests.some((r) => r.startsWith('POST ') && r.includes('/api/v1/posts')), 'no post was created');
  });

  t.test('a PNG goes straight to storage, is converted, and its JPEG is shown', async (t) => {
    const file = png(1200, 800);
    const text = 'A gradient, from the dashboard <b>not bold</b>';
    await composer.getByLabel('Post text').fill(text);
    await composer.locator('[data-testid="post-composer-file"]').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: file });
    const chosen = composer.locator('[data-testid="post-composer-chosen"]');
    await chosen.waitFor();
    t.match((await chosen.textContent())?.replace(/\s+/g, ' '), /gradient\.png · \d+(\.\d)? KB/, 'the file and its size are shown');
    const publish = composer.getByRole('button', { name: 'Publish' });
    await publish.and(page.locator(':enabled')).waitFor({ timeout: 5_000 });
    await publish.click();

    const card = page.locator('[data-testid="post-card"]', { hasText: 'A gradient, from the dashboard' });
    const image = card.locator('img[data-testid="post-image"][data-status="ready"]');
    const composerError = composer.locator('[data-testid="post-composer-error"]');
    try {
      // The image, or the composer saying why there is none (then failing at once).
      await image.or(composerError).waitFor({ timeout: 60_000 });
      if (!(await image.isVisible())) throw new Error('the composer failed');
    } catch (error) {
      const state = await card.locator('[data-testid="post-image"]').getAttribute('data-status').catch(() => 'no image element');
      const said = await composerError.innerText({ timeout: 1000 }).catch(() => 'none');
      throw new Error(`no ready image (shown: ${state}; composer error: ${said}; page errors: ${dashboard.pageErrors.join(' | ')})`, { cause: error });
    }
    await page.waitForFunction((el) => (el as { complete: boolean }).complete, await image.elementHandle(), { timeout: 10_000 });
    const shown = (await image.evaluate((el) => {
      const img = el as unknown as { naturalWidth: number; naturalHeight: number; currentSrc: string; alt: string };
      return { width: img.naturalWidth, height: img.naturalHeight, src: img.currentSrc, alt: img.alt };
    })) as { width: number; height: number; src: string; alt: string };
    t.equal(shown.width, 600, 'the image loaded is 600 wide');
    t.equal(shown.height, 600, 'and 600 high');
    t.equal(new URL(shown.src).origin, storage, 'from storage');
    t.match(new URL(shown.src).pathname, /\/images\/[^/]+\/[^/]+\/600x600\.jpg$/, 'the converted JPEG, not the original');
    t.match(shown.alt, /^Image of the post: A gradient/, 'with alt text');
    t.equal(await card.locator('[data-testid="post-content"]').innerText(), text, 'the text shown as text');

    const postId = await card.getAttribute('data-post-id');
    const posted = requests.filter((r) => r.startsWith('POST '));
    t.ok(posted.some((r) => r.endsWith('/api/v1/posts')), 'the post was created');
    t.ok(posted.some((r) => r.startsWith(`POST ${storage}/`)), 'the bytes went straight to storage');
    t.ok(posted.some((r) => r.endsWith(`/api/v1/posts/${postId}/image/complete`)), 'and the upload was completed');
    const row = (await herald.pool.query('SELECT status, size_bytes, width, height FROM post_images WHERE post_id = $1', [postId])).rows[0];
    t.match(row, { status: 'ready', width: 600, height: 600 }, 'the API holds it ready');
    t.equal(Number(row.size_bytes), file.length, 'with the size sent');

  });

  t.test('a file of 16 MiB or more goes to storage in parts, and is converted too', async (t) => {
    const file = png(2400, 2400, { noise: true });
    t.ok(file.length >= 16 * 1024 * 1024, `${file.length} bytes`);
    const before = requests.length;
    await composer.getByLabel('Post text').fill('A large noisy picture');
    await composer.locator('[data-testid="post-composer-file"]').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: file });
    await composer.locator('[data-testid="post-composer-chosen"]').waitFor();
    const publish = composer.getByRole('button', { name: 'Publish' });
    await publish.and(page.locator(':enabled')).waitFor({ timeout: 5_000 });
    await publish.click();
    const card = page.locator('[data-testid="post-card"]', { hasText: 'A large noisy picture' });
    const image = card.locator('img[data-testid="post-image"][data-status="ready"]');
    const composerError = composer.locator('[data-testid="post-composer-error"]');
    await image.or(composerError).waitFor({ timeout: 90_000 });
    t.notOk(await composerError.isVisible(), 'no failure');
    await page.waitForFunction((el) => (el as { complete: boolean }).complete, await image.elementHandle(), { timeout: 10_000 });
    t.same(
      await image.evaluate((el) => [(el as unknown as { naturalWidth: number }).naturalWidth, (el as unknown as { naturalHeight: number }).naturalHeight]),
      [600, 600],
      'the converted image',
    );
    const mine = requests.slice(before);
    const parts = mine.filter((r) => r.startsWith(`PUT ${storage}/`) && /[?&]partNumber=\d+/.test(r));
    t.equal(parts.length, 3, 'three parts of 8 MiB at most, each with its presigned PUT');
    t.notOk(mine.some((r) => r.startsWith(`POST ${storage}/`) && !r.includes('uploadId=')), 'not the single form POST');
    t.ok(mine.some((r) => r.startsWith('POST ') && r.endsWith('/image/multipart')), 'the multipart upload was started');
    t.ok(mine.some((r) => r.startsWith('POST ') && r.endsWith('/image/complete')), 'and completed');
  });

  t.test("a file that only looks like a PNG is refused by the worker, and the dashboard says why, as text", async (t) => {
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<img src=x onerror="window.__xss=1"> and no picture at all')]);
    await composer.getByLabel('Post text').fill('A broken picture');
    await composer.locator('[data-testid="post-composer-file"]').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: fake });
    await composer.locator('[data-testid="post-composer-chosen"]').waitFor();
    const publish = composer.getByRole('button', { name: 'Publish' });
    await publish.and(page.locator(':enabled')).waitFor({ timeout: 5_000 });
    await publish.click();
    const card = page.locator('[data-testid="post-card"]', { hasText: 'A broken picture' });
    const refused = card.locator('[data-testid="post-image"][data-status="rejected"]');
    await refused.waitFor({ timeout: 60_000 });
    t.match(await refused.innerText(), /^Image refused: .+/, 'the reason is shown');
    t.equal(await card.locator('img').count(), 0, 'and no image');
    t.equal(await page.evaluate('window.__xss'), undefined, 'nothing of the file ran');
  });

  t.test('nothing was refused by the Content-Security-Policy', async (t) => {
    const violations = (await page.evaluate('window.__cspViolations')) as string[];
    t.same(violations, [], 'no Content-Security-Policy violation: the upload and the image are allowed');
    t.same(
      dashboard.pageErrors.filter((message) => /Content Security Policy|Refused to|CORS/i.test(message)),
      [],
      'and none logged',
    );
  });
});
