import t from 'tap';
import { checkPostPolicy } from '../src/archive/s3-front.js';

// The conditions of a POST policy as the in-process S3 enforces them (the HTTP side is covered by
// the API's image upload tests, on this S3 and on MinIO).
const policyOf = (conditions: unknown[], expiration = new Date(Date.now() + 60_000).toISOString()) =>
  Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
const fields = (entries: Record<string, string>) => new Map(Object.entries(entries));

t.test('a form that meets every condition passes, with its size range', async (t) => {
  const policy = policyOf([['eq', '$bucket', 'media'], ['eq', '$key', 'uploads/p/u'], ['eq', '$Content-Type', 'image/png'], ['starts-with', '$x-amz-meta-post-id', 'p'], ['content-length-range', 10, 10]]);
  t.same(checkPostPolicy(policy, fields({ policy, key: 'uploads/p/u', 'content-type': 'image/png', 'x-amz-meta-post-id': 'p1', 'x-amz-signature': 's' }), 'media'), { minSize: 10, maxSize: 10 });
});

t.test('each broken condition is refused, naming it', async (t) => {
  const policy = policyOf([{ bucket: 'media' }, ['eq', '$key', 'uploads/p/u'], ['eq', '$Content-Type', 'image/png']]);
  const good = { policy, key: 'uploads/p/u', 'content-type': 'image/png' };
  t.throws(() => checkPostPolicy(policy, fields({ ...good, key: 'uploads/p/other' }), 'media'), /Policy Condition failed: \["eq","\$key"/);
  t.throws(() => checkPostPolicy(policy, fields({ ...good, 'content-type': 'text/html' }), 'media'), /Content-Type/);
  t.throws(() => checkPostPolicy(policy, fields(good), 'other-bucket'), /bucket/);
  t.throws(() => checkPostPolicy(policy, fields({ ...good, 'x-amz-meta-extra': '1' }), 'media'), /Extra input fields: x-amz-meta-extra/);
  t.throws(() => checkPostPolicy(policyOf([], new Date(Date.now() - 1000).toISOString()), fields(good), 'media'), /expired/);
  t.throws(() => checkPostPolicy(undefined, fields(good), 'media'), /must contain a policy/);
  t.throws(() => checkPostPolicy('not json', fields(good), 'media'), /Invalid/);
});
