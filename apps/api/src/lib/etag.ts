/** Strong ETag of a version (products, posts: any resource with a version counter). */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * RFC 9110 If-Match: `*` or a list of entity tags, compared strongly (weak tags never match).
 * Returns whether the current version satisfies the header; an absent header always does.
 */
export function ifMatchSatisfied(header: string | undefined, version: number): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((tag) => tag.trim());
  return tags.some((tag) => tag === '*' || tag === etagOf(version));
}

/** RFC 9110 If-None-Match for GET: true when the client's copy is current (respond 304). */
export function ifNoneMatchHit(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const current = etagOf(version);
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === current);
}
