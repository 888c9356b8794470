import type { TestHerald, TestUser } from './herald.js';

type Tap = typeof import('tap').default;

export interface OwnedRequest {
  method: 'GET' | 'PATCH' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OwnedResource {
  /** Requests that change the resource (each must succeed for its owner). */
  changes: OwnedRequest[];
  /** Requests that delete it (its owner and an admin may). */
  deletes?: OwnedRequest[];
  /** The resource as anyone reads it, to show a refused request changed nothing. */
  read(): Promise<unknown>;
}

/**
 * The ownership rules every owned resource type follows, as one specification each feature runs
 * for its own type: anonymous requests are 401; another user's are 403 and change nothing; the
 * owner's succeed; an admin may delete (but not change) what others own.
 */
export async function specifyOwnership(
  t: Tap,
  herald: TestHerald,
  resource: string,
  create: (owner: TestUser) => Promise<OwnedResource>,
): Promise<void> {
  await t.test(`${resource}: only its owner may change it; an admin may delete it`, async (t) => {
    const owner = await herald.signUp();
    const stranger = await herald.signUp();
    const owned = await create(owner);
    const before = await owned.read();
    for (const request of [...owned.changes, ...(owned.deletes ?? [])]) {
      const label = `${request.method} ${request.url}`;
      const anonymous = await herald.request({ ...request, as: 'anonymous' });
      t.equal(anonymous.statusCode, 401, `${label} without a token`);
      const other = await herald.request({ ...request, as: stranger.accessToken });
      t.equal(other.statusCode, 403, `${label} by another user`);
    }
    t.same(await owned.read(), before, 'refused requests changed nothing');
    for (const request of owned.changes) {
      const response = await herald.request({ ...request, as: owner.accessToken });
      t.equal(response.statusCode >= 200 && response.statusCode < 300, true, `${request.method} ${request.url} by its owner: ${response.statusCode} ${response.body}`);
    }
    if (owned.changes.length > 0) {
      const adminChange = await herald.request({ ...owned.changes[0]!, as: 'admin' });
      t.equal(adminChange.statusCode, 403, `an admin may not change what another user owns`);
    }
    for (const request of owned.deletes ?? []) {
      const response = await herald.request({ ...request, as: 'admin' });
      t.equal(response.statusCode >= 200 && response.statusCode < 300, true, `${request.method} ${request.url} by an admin: ${response.statusCode}`);
    }
  });
}
