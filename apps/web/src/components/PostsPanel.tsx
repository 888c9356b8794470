import { memo, useCallback, useState } from 'react';
import type { Comment, Post, PostImage, PostSort, UserSummary } from '../api/types.js';
import { excerpt, formatCount, formatWhen, shortPostId } from '../format.js';
import type { StatsView } from '../state/post-stats.js';
import { PostComposer } from './PostComposer.js';

/*
 * Titles, contents and comments are plain text written by anyone: they are rendered as React text
 * children only (escaped by React), never as HTML, and never turned into links. An image's
 * reason for refusal is text too; its URL is used only when it is http(s).
 */

const SORTS: readonly { sort: PostSort; label: string }[] = [
  { sort: 'recent', label: 'Recent' },
  { sort: 'comments', label: 'Most commented' },
];

const decimals = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

type HandleOf = (user: UserSummary) => string | undefined;

function Author({ user, handleOf }: { user: UserSummary; handleOf: HandleOf }) {
  const handle = handleOf(user);
  return handle ? (
    <span className="post-author" title={user.display_name || undefined}>
      @{handle}
    </span>
  ) : (
    <span className="post-author post-author--unknown" title={user.id}>
      user {user.id.slice(0, 8)}
    </span>
  );
}

function Stats({ view }: { view: StatsView | undefined }) {
  if (view?.state === 'computing') {
    return (
      <span className="post-stats post-stats--computing" data-testid="post-stats" data-state="computing">
        computing…
      </span>
    );
  }
  if (view?.state !== 'ready') return null;
  const { word_count, avg_word_length, char_count } = view.stats;
  return (
    <span className="post-stats" data-testid="post-stats" data-state="ready" title="Computed by the analytics consumer">
      {formatCount(word_count)} {word_count === 1 ? 'word' : 'words'} · {decimals.format(avg_word_length)} letters a word · {formatCount(char_count)} characters
    </span>
  );
}

function CommentLine({ comment, handleOf }: { comment: Comment; handleOf: HandleOf }) {
  return (
    <li className="post-comment" data-testid="post-comment" data-comment-id={comment.id}>
      <Author user={comment.author} handleOf={handleOf} />
      <span className="post-comment-text" data-testid="post-comment-text">
        {comment.content}
      </span>
      <time className="post-when" dateTime={comment.created_at} title={comment.created_at}>
        {formatWhen(comment.created_at)}
      </time>
    </li>
  );
}

/** The URL of a ready image when it is one the page may load (presigned http(s) from the API). */
function imageUrl(image: PostImage): string | undefined {
  if (!image.url) return undefined;
  try {
    const url = new URL(image.url);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** What a post's image is: awaited (a placeholder), converted (the 600x600 JPEG), or refused (why). */
function PostImageView({ image, alt, onExpired }: { image: PostImage; alt: string; onExpired(): void }) {
  const [failed, setFailed] = useState<string | undefined>();
  const url = image.status === 'ready' ? imageUrl(image) : undefined;
  if (image.status === 'rejected') {
    return (
      <p className="post-image post-image--rejected" data-testid="post-image" data-status="rejected">
        Image refused: {image.reason ?? image.reason_code ?? 'no reason given'}
      </p>
    );
  }
  if (image.status === 'pending' || !url) {
    return (
      <div className="post-image post-image--pending" data-testid="post-image" data-status="pending" role="img" aria-label="Image being processed">
        Image being processed…
      </div>
    );
  }
  if (failed === url) {
    return (
      <p className="post-image post-image--failed" data-testid="post-image" data-status="failed">
        The image could not be loaded.
      </p>
    );
  }
  return (
    <img
      className="post-image"
      data-testid="post-image"
      data-status="ready"
      src={url}
      alt={alt}
      width={image.width ?? 600}
      height={image.height ?? 600}
      decoding="async"
      referrerPolicy="no-referrer"
      onError={() => {
        setFailed(url);
        // A presigned URL lives a short while: past it, the posts are read again for a fresh one.
        if (image.url_expires_at !== undefined && Date.parse(image.url_expires_at) <= Date.now()) onExpired();
      }}
    />
  );
}

interface PostCardProps {
  post: Post;
  stats: StatsView | undefined;
  handleOf: HandleOf;
  onImageExpired(): void;
}

const PostCard = memo(function PostCard({ post, stats, handleOf, onImageExpired }: PostCardProps) {
  return (
    <li className="post" data-testid="post-card" data-post-id={post.id} data-version={post.version} data-comment-count={post.comment_count}>
      <div className="post-head">
        <Author user={post.author} handleOf={handleOf} />
        <span className="post-id mono" title={post.id}>
          {shortPostId(post.id)}
        </span>
        <time className="post-when" dateTime={post.created_at} title={post.version > 1 ? `edited ${post.updated_at}` : post.created_at}>
          {formatWhen(post.created_at)}
          {post.version > 1 ? ' · edited' : ''}
        </time>
      </div>
      {post.title !== '' && (
        <h3 className="post-title" data-testid="post-title">
          {post.title}
        </h3>
      )}
      <p className="post-content" data-testid="post-content">
        {post.content}
      </p>
      {post.image && <PostImageView image={post.image} alt={`Image of the post: ${excerpt(post.title || post.content, 80)}`} onExpired={onImageExpired} />}
      <div className="post-figures">
        <span data-testid="post-comment-count">
          {formatCount(post.comment_count)} {post.comment_count === 1 ? 'comment' : 'comments'}
        </span>
        <span>
          {formatCount(post.view_count)} {post.view_count === 1 ? 'view' : 'views'}
        </span>
        <Stats view={stats} />
      </div>
      {post.latest_comments.length > 0 && (
        <ul className="post-comments" aria-label="Newest comments">
          {post.latest_comments.map((c) => (
            <CommentLine key={c.id} comment={c} handleOf={handleOf} />
          ))}
        </ul>
      )}
    </li>
  );
});

interface PostsPanelProps {
  posts: Post[];
  sort: PostSort;
  onSort(sort: PostSort): void;
  authors: ReadonlyMap<string, UserSummary>;
  stats: ReadonlyMap<string, StatsView>;
  loading: boolean;
  error: string | undefined;
  /** A post written here, as the API answered: shown at once, its image awaited. */
  onPublished(post: Post): void;
  /** A shown image's presigned URL expired: the posts are read again. */
  onImageExpired(): void;
}

/**
 * The newest or the most commented posts, with their comment counts, newest comments, statistics
 * and images, under a composer to write one.
 */
export function PostsPanel({ posts, sort, onSort, authors, stats, loading, error, onPublished, onImageExpired }: PostsPanelProps) {
  const handleOf = useCallback<HandleOf>((user) => (user.handle !== '' ? user.handle : authors.get(user.id)?.handle), [authors]);
  return (
    <section className="panel panel--posts" aria-labelledby="posts-title" data-testid="posts-panel" data-sort={sort}>
      <div className="panel-head">
        <h2 id="posts-title">Posts</h2>
        <div className="panel-tools">
          <p className="panel-meta">{posts.length} shown</p>
          <div className="segmented" role="group" aria-label="Order posts by">
            {SORTS.map((s) => (
              <button key={s.sort} type="button" aria-pressed={sort === s.sort} onClick={() => onSort(s.sort)} data-sort={s.sort}>
                {s.label}
              </button>
            ))}
          </div>
        </div>
      </div>
      <PostComposer onPublished={onPublished} />
      {error && <p className="error-note">Could not load posts: {error}</p>}
      <div className="scroll">
        {posts.length === 0 ? (
          <p className="empty">{loading ? 'Loading posts…' : 'No posts yet.'}</p>
        ) : (
          <ul className="posts">
            {posts.map((post) => (
              <PostCard key={post.id} post={post} stats={stats.get(post.id)} handleOf={handleOf} onImageExpired={onImageExpired} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
