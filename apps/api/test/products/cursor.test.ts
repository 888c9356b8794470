import t from 'tap';
import { HttpProblem } from '../../src/errors.js';
import { decodeCursor, encodeCursor } from '../../src/products/cursor.js';

const ID = '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b';
const base64url = (text: string) => Buffer.from(text).toString('base64url');

t.test('a cursor decodes to the id it was made from', async (t) => {
  t.equal(decodeCursor(encodeCursor(ID)), ID);
});

t.test('a cursor fits the contract: URL-safe characters only, at most 200 of them', async (t) => {
  const cursor = encodeCursor(ID);
  t.match(cursor, /^[A-Za-z0-9_-]+$/);
  t.ok(cursor.length <= 200, `${cursor.length} characters`);
});

t.test('a cursor does not show the id in clear', async (t) => {
  t.notMatch(encodeCursor(ID), ID);
});

const notOurs: Array<[string, string]> = [
  ['garbage', '!!!'],
  ['an empty string', ''],
  ['base64url of text that is not JSON', base64url('hello')],
  ['base64url of JSON null', base64url('null')],
  ['base64url of a JSON string', base64url('"01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b"')],
  ['base64url of an object without `after`', base64url('{"page":2}')],
  ['base64url of an `after` that is not a uuid', base64url('{"after":"42"}')],
  ['base64url of an `after` that is a number', base64url('{"after":42}')],
  ['base64url of an upper-case uuid', base64url(JSON.stringify({ after: ID.toUpperCase() }))],
  ['a cursor with trailing bytes cut off', encodeCursor(ID).slice(0, -4)],
];

for (const [what, cursor] of notOurs) {
  t.test(`${what} is rejected as an invalid cursor naming the cursor query parameter`, async (t) => {
    const error = (() => {
      try {
        decodeCursor(cursor);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    t.ok(error instanceof HttpProblem, 'throws an HttpProblem');
    const problem = error as HttpProblem;
    t.equal(problem.code, 'HERALD_INVALID_CURSOR');
    t.equal(problem.status, 400);
    t.same(problem.fieldErrors.map((e) => [e.in, e.field]), [['query', 'cursor']]);
  });
}
