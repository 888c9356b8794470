import t from 'tap';
import { etagOf, ifMatchSatisfied, ifNoneMatchHit } from '../../src/lib/etag.js';

t.test('the ETag of a version is a strong, quoted entity tag', async (t) => {
  t.equal(etagOf(1), '"1"');
  t.equal(etagOf(42), '"42"');
  t.not(etagOf(1), etagOf(11), 'distinct versions never share a tag');
});

t.test('an absent If-Match is always satisfied', async (t) => {
  t.equal(ifMatchSatisfied(undefined, 3), true);
});

t.test('If-Match is satisfied by the current version, by * and by a list that contains either', async (t) => {
  t.equal(ifMatchSatisfied('"3"', 3), true, 'the current tag');
  t.equal(ifMatchSatisfied('*', 3), true, 'any version');
  t.equal(ifMatchSatisfied('"1", "3"', 3), true, 'a list holding the current tag');
  t.equal(ifMatchSatisfied('"1","3"', 3), true, 'a list without spaces');
  t.equal(ifMatchSatisfied(' "3" ', 3), true, 'surrounding whitespace is not part of the tag');
});

t.test('If-Match is not satisfied by another version, an unquoted number or a weak tag', async (t) => {
  t.equal(ifMatchSatisfied('"2"', 3), false, 'a stale tag');
  t.equal(ifMatchSatisfied('"1", "2"', 3), false, 'a list of stale tags');
  t.equal(ifMatchSatisfied('3', 3), false, 'entity tags are quoted');
  t.equal(ifMatchSatisfied('W/"3"', 3), false, 'If-Match compares strongly, so weak tags never match');
  t.equal(ifMatchSatisfied('"33"', 3), false, 'no prefix matching');
});

t.test('an absent If-None-Match never short-cuts a read', async (t) => {
  t.equal(ifNoneMatchHit(undefined, 3), false);
});

t.test('If-None-Match hits on the current version, weakly compared, on * and within a list', async (t) => {
  t.equal(ifNoneMatchHit('"3"', 3), true, 'the current tag');
  t.equal(ifNoneMatchHit('W/"3"', 3), true, 'If-None-Match compares weakly');
  t.equal(ifNoneMatchHit('*', 3), true, 'any version');
  t.equal(ifNoneMatchHit('"1", W/"3"', 3), true, 'a list holding the current tag');
});

t.test('If-None-Match misses on another version', async (t) => {
  t.equal(ifNoneMatchHit('"2"', 3), false);
  t.equal(ifNoneMatchHit('W/"2", "4"', 3), false);
  t.equal(ifNoneMatchHit('3', 3), false, 'entity tags are quoted');
});
