import t from 'tap';
import { HttpProblem } from '../../src/errors.js';
import { decodeCursor, encodeCursor } from '../../src/products/cursor.js';

const ID = '01920a3b-7c4d-7e5f-8a9b-0c1d2e3f4a5b';
const base64url = (text: string) => Buffer.from(text).toString('base64url');

t.test('a cursor decodes to the id it was made from', async (t) => {
  t.equal(decodeCursor(encodeCursor(ID)), ID);
});

t.test('a cursor fits the contract: the Cursor pattern of openapi.yaml', async (t) => {
  for (const id of [ID, '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']) {
    const cursor = encodeCursor(id);
    t.match(cursor, /^[A-Za-z0-9_-]{21}[AQgw]$/, cursor);
    t.equal(decodeCursor(cursor), id, 'and decodes back');
  }
});

t.test('a cursor does not show the id in clear', async (t) => {
  t.notMatch(encodeCursor(ID), ID);
  t.notMatch(encodeCursor(ID), ID.replace(/-/g, ''));
});

t.test('every string of the contract form is a position: it decodes to a lower-case uuid', async (t) => {
  for (const cursor of ['AAAAAAAAAAAAAAAAAAAAAA', '_____________________w', 'AZIKO3xNfl-KDB0ePyo7Ww', 'abcdefghijklmnopqrstuQ']) {
    t.match(decodeCursor(cursor), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, cursor);
    t.equal(encodeCursor(decodeCursor(cursor)), cursor, 'one cursor per position');
  }
});

const notOurs: Array<[string, string]> = [
  ['garbage', '!!!'],
  ['an empty string', ''],
  ['base64url of text that is not an id', base64url('hello')],
  ['the cursor form of earlier versions (base64url of JSON)', base64url(JSON.stringify({ after: ID }))],
  ['a cursor whose last character carries bits beyond 16 bytes', 'AZIKO3xNfl-KDB0ePyo7Wx'],
  ['a cursor with padding', 'AZIKO3xNfl-KDB0ePyo7Ww=='],
  ['a cursor in base64 rather than base64url', 'AZIKO3xNfl+KDB0ePyo7Ww'],
  ['a cursor with trailing characters cut off', encodeCursor(ID).slice(0, -1)],
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
