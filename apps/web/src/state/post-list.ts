/**
 * The posts view: one page of `GET /api/v1/posts` (newest or most commented first), kept up to
 * date from the event stream without reading the page again.
 *
 * Post events carry the post's text and version, so an edit or an older event arriving late is
 * settled by the version. Comment events carry the post's comment count after the change, and a
 * post's events stay in order (they are keyed by the post), so the last one applied holds the
 * current count. What events cannot tell is named in the result: the page must be read again
 * (a post that belongs on it is not held), or a post's newest comments (a shown one was deleted).
 */
import type { Comment, CommentPage, HeraldEvent, Post, PostPage, PostSort, UserSummary } from '../api/types.js';

export interface PostList {
  readonly sort: PostSort;
  /** How many posts the view shows: the size of the page it reads. */
  readonly limit: number;
  /** The posts shown, at most `limit`, by id (their order is `shownPosts`). */
  readonly posts: ReadonlyMap<string, Post>;
  /** Whether the API has posts beyond those held (the page had a next cursor, or posts were pushed off). */
  readonly more: boolean;
  /** Ids of deleted posts and comments, so that a late answer or event cannot bring one back. */
  readonly deleted: ReadonlySet<string>;
  readonly deletedComments: ReadonlySet<string>;
}

export interface Applied {
  list: PostList;
  /** The page must be read again: a post that belongs on it may not be held. */
  reread: boolean;
  /** Posts whose newest comments must be read again: a shown comment was deleted. */
  comments: string[];
}

/** How many deleted ids are remembered; the oldest are forgotten first. */
const DELETED_CAPACITY = 10_000;
/** How many comments a post shows, as the API sends them. */
export const LATEST_COMMENTS = 2;

export function emptyPostList(sort: PostSort, limit: number): PostList {
  return { sort, limit, posts: new Map(), more: false, deleted: new Set(), deletedComments: new Set() };
}

/** Newest first; with `comments`, most commented first and ties newest first (the API's order). */
export function comparePosts(sort: PostSort): (a: Post, b: Post) => number {
  return (a, b) => {
    if (sort === 'comments' && a.comment_count !== b.comment_count) return b.comment_count - a.comment_count;
    const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
    if (byTime !== 0) return byTime;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  };
}

/** The posts in the order shown. */
export function shownPosts(list: PostList): Post[] {
  return [...list.posts.values()].sort(comparePosts(list.sort));
}

function newestFirst(a: Comment, b: Comment): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** A freshly read page; what was deleted meanwhile stays deleted. */
export function listFromPage(page: PostPage, previous: PostList): PostList {
  const posts = new Map<string, Post>();
  for (const post of page.items) {
    if (previous.deleted.has(post.id)) continue;
    posts.set(post.id, { ...post, latest_comments: post.latest_comments.filter((c) => !previous.deletedComments.has(c.id)) });
  }
  return { ...previous, posts, more: page.next_cursor !== null };
}

/** An author as a post or comment made from an event knows it: by id only, the handle to be looked up. */
function authorById(id: string): UserSummary {
  return { id, handle: '', display_name: '' };
}

function remember(set: Set<string>, id: string): void {
  set.add(id);
  if (set.size > DELETED_CAPACITY) set.delete(set.values().next().value!);
}

/** Applies events in the order received; events about other things are ignored. */
export function applyPostEvents(list: PostList, events: readonly HeraldEvent[]): Applied {
  let posts: Map<string, Post> | undefined;
  let deleted: Set<string> | undefined;
  let deletedComments: Set<string> | undefined;
  let more = list.more;
  let reread = false;
  const comments = new Set<string>();
  const held = () => posts ?? list.posts;
  const put = (post: Post) => {
    posts ??= new Map(list.posts);
    posts.set(post.id, post);
  };
  const isDeleted = (id: string) => (deleted ?? list.deleted).has(id);
  const compare = comparePosts(list.sort);
  /** The last post the page shows, when it is full (a post ranked after it does not belong). */
  const lastShown = () => {
    const shown = [...held().values()];
    if (shown.length < list.limit) return undefined;
    return shown.sort(compare).at(-1);
  };
  /** Whether a post not held, known only by these fields, may belong on the page. */
  const mayBelong = (fields: { created_at?: string; comment_count?: number }) => {
    const last = lastShown();
    if (!last) return true; // the page is not full: every post belongs
    if (list.sort === 'recent') return fields.created_at === undefined || Date.parse(fields.created_at) >= Date.parse(last.created_at);
    return fields.comment_count !== undefined && fields.comment_count > last.comment_count;
  };

  for (const event of events) {
    switch (event.type) {
      case 'PostCreated':
      case 'PostUpdated': {
        const snapshot = event.data.post;
        if (isDeleted(snapshot.id)) break;
        const known = held().get(snapshot.id);
        if (known) {
          if (known.version >= snapshot.version) break;
          put({ ...known, title: snapshot.title, content: snapshot.content, blog_id: snapshot.blog_id, updated_at: snapshot.updated_at, version: snapshot.version });
        } else if (event.type === 'PostCreated') {
          // A new post: no comment can come before its creation (its events are in order).
          put({ ...snapshot, author: authorById(snapshot.author_id), comment_count: 0, view_count: 0, latest_comments: [] });
        } else if (mayBelong({ created_at: snapshot.created_at })) {
          reread = true; // an edit of a post not held: its counts and comments are not known
        }
        break;
      }
      case 'PostDeleted': {
        const id = event.data.post_id;
        if (held().has(id)) {
          posts ??= new Map(list.posts);
          posts.delete(id);
          if (more) reread = true; // a post not held moves up into its place
        }
        deleted ??= new Set(list.deleted);
        remember(deleted, id);
        comments.delete(id);
        break;
      }
      case 'CommentAdded': {
        const { comment, comment_count } = event.data;
        if (isDeleted(comment.post_id) || (deletedComments ?? list.deletedComments).has(comment.id)) break;
        const known = held().get(comment.post_id);
        if (!known) {
          if (list.sort === 'comments' ? mayBelong({ comment_count }) : !lastShown()) reread = true;
          break;
        }
        const latest = known.latest_comments.some((c) => c.id === comment.id)
          ? known.latest_comments
          : [...known.latest_comments, { ...comment, author: authorById(comment.author_id) }].sort(newestFirst).slice(0, LATEST_COMMENTS);
        put({ ...known, comment_count, latest_comments: latest });
        break;
      }
      case 'CommentDeleted': {
        const { comment_id, post_id, comment_count } = event.data;
        deletedComments ??= new Set(list.deletedComments);
        remember(deletedComments, comment_id);
        const known = held().get(post_id);
        if (!known) break;
        const latest = known.latest_comments.filter((c) => c.id !== comment_id);
        put({ ...known, comment_count, latest_comments: latest });
        // A shown comment went: the one after it, if any, is not known.
        if (latest.length < Math.min(LATEST_COMMENTS, comment_count)) comments.add(post_id);
        // Fewer comments: a post not held may now rank above it.
        if (list.sort === 'comments' && more) {
          const others = [...held().values()].filter((p) => p.id !== post_id);
          if (others.length === 0 || others.every((p) => p.comment_count >= comment_count)) reread = true;
        }
        break;
      }
      case 'PostImageRejected': {
        // The verdict says all the view shows of a rejected image: no read needed.
        const { post_id, reason_code, reason } = event.data;
        const known = held().get(post_id);
        if (!known || known.image?.status === 'rejected') break;
        put({ ...known, image: { status: 'rejected', reason_code, reason } });
        break;
      }
      case 'PostImageRemoved': {
        // Removed: the post shows none. Replaced: the new one waits for its upload.
        const { post_id, reason } = event.data;
        const known = held().get(post_id);
        if (!known) break;
        const { image: _gone, ...withoutImage } = known;
        put(reason === 'replaced' ? { ...withoutImage, image: { status: 'pending' } } : withoutImage);
        break;
      }
      case 'PostImageReady': {
        // The image's URL is presigned by the API when asked: the page is read again for it.
        const known = held().get(event.data.post_id);
        if (known && known.image?.status !== 'ready') reread = true;
        break;
      }
      default:
        break;
    }
  }

  // The page holds at most `limit` posts: new ones push the last ones off.
  if (posts && posts.size > list.limit) {
    const kept = [...posts.values()].sort(compare).slice(0, list.limit);
    posts = new Map(kept.map((p) => [p.id, p]));
    more = true;
    for (const id of comments) if (!posts.has(id)) comments.delete(id);
  }
  if (!posts && !deleted && !deletedComments) return { list, reread, comments: [...comments] };
  return {
    list: {
      ...list,
      posts: posts ?? list.posts,
      more,
      deleted: deleted ?? list.deleted,
      deletedComments: deletedComments ?? list.deletedComments,
    },
    reread,
    comments: [...comments],
  };
}

/**
 * A post as the API answered its writer (created here, or its image's upload completed): it
 * replaces the one held unless that one is newer, and joins the list when it belongs there. A
 * settled image is not taken back to `pending` by an answer older than the verdict.
 */
export function applyPostAnswer(list: PostList, answer: Post): PostList {
  if (list.deleted.has(answer.id)) return list;
  const { upload: _upload, ...post } = answer;
  const known = list.posts.get(post.id);
  let next: Post;
  if (known) {
    const base = known.version > post.version ? known : { ...post, latest_comments: known.latest_comments, comment_count: Math.max(known.comment_count, post.comment_count) };
    const image = known.image && known.image.status !== 'pending' && post.image?.status === 'pending' ? known.image : (post.image ?? known.image);
    next = image ? { ...base, image } : base;
  } else {
    next = post;
  }
  const posts = new Map(list.posts);
  posts.set(post.id, next);
  if (posts.size <= list.limit) return { ...list, posts };
  const kept = [...posts.values()].sort(comparePosts(list.sort)).slice(0, list.limit);
  return { ...list, posts: new Map(kept.map((p) => [p.id, p])), more: true };
}

/** Whether the post is held with its image still awaited. */
export function imagePending(list: PostList, postId: string): boolean {
  return list.posts.get(postId)?.image?.status === 'pending';
}

/**
 * Applies the answer to `GET /api/v1/posts/{id}/comments?limit=2` (undefined: the post is gone).
 * Comments the post holds already stay (an event may have brought one newer than the answer);
 * deleted ones stay deleted.
 */
export function applyLatestComments(list: PostList, postId: string, page: CommentPage | undefined): PostList {
  const known = list.posts.get(postId);
  if (!known) return list;
  if (page === undefined) return list; // its PostDeleted will remove it
  const byId = new Map<string, Comment>();
  for (const c of [...known.latest_comments, ...page.items]) if (!list.deletedComments.has(c.id) && !byId.has(c.id)) byId.set(c.id, c);
  const latest = [...byId.values()].sort(newestFirst).slice(0, LATEST_COMMENTS);
  const posts = new Map(list.posts);
  posts.set(postId, { ...known, latest_comments: latest });
  return { ...list, posts };
}

/** Ids of the users who wrote what the list shows and whose handle it does not carry. */
export function authorsToLookUp(list: PostList, known: ReadonlyMap<string, UserSummary>): string[] {
  const ids = new Set<string>();
  for (const post of list.posts.values()) {
    if (post.author.handle === '' && !known.has(post.author_id)) ids.add(post.author_id);
    for (const c of post.latest_comments) if (c.author.handle === '' && !known.has(c.author_id)) ids.add(c.author_id);
  }
  return [...ids];
}

/** The authors a page or a comments answer names, to add to the directory. */
export function authorsIn(items: readonly (Post | Comment)[]): UserSummary[] {
  const authors: UserSummary[] = [];
  for (const item of items) {
    if (item.author.handle !== '') authors.push(item.author);
    if ('latest_comments' in item) for (const c of item.latest_comments) if (c.author.handle !== '') authors.push(c.author);
  }
  return authors;
}

/** The users that account events describe (a new account, a changed display name). */
export function authorsInEvents(events: readonly HeraldEvent[]): UserSummary[] {
  const authors: UserSummary[] = [];
  for (const event of events) {
    if (event.type === 'UserRegistered' || event.type === 'UserUpdated') {
      const { id, handle, display_name } = event.data.user;
      authors.push({ id, handle, display_name });
    }
  }
  return authors;
}
