import type { HeraldEvent, Money, MoneyTotal } from './api/types.js';

const fractionDigits = new Map<string, number>();

function digitsOf(currency: string): number {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // not a code Intl knows
    }
    fractionDigits.set(currency, digits);
  }
  return digits;
}

/** Minor units as an exact decimal string: ("1250", 2) -> "12.50". */
function minorToDecimal(amount: string, digits: number): `${number}` {
  if (digits === 0) return amount as `${number}`;
  const padded = amount.padStart(digits + 1, '0');
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}` as `${number}`;
}

/**
 * Money in minor units as a person reads it, e.g. { amount: 1250, currency: 'EUR' } -> "€12.50".
 * Totals arrive as decimal strings and are formatted from the string, so every digit is kept.
 */
export function formatMoney(money: Money | MoneyTotal, locale?: string): string {
  const digits = digitsOf(money.currency);
  const value = minorToDecimal(String(money.amount), digits);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(value);
  } catch {
    return `${value} ${money.currency}`;
  }
}

export function formatCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** "14:03:27" in the viewer's time zone. */
export function formatTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The time alone for today, else a short date and the time: "14:03" or "22 Nov, 14:03". */
export function formatWhen(iso: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString(locale, { day: 'numeric', month: 'short' })}, ${time}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** Collapses runs of whitespace (line breaks included) into single spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/**
 * The start of a text on one line, at most `max` characters (counted as characters, so an emoji
 * is never cut in half), ending at a word when one ends close enough, with "…" when cut.
 */
export function excerpt(text: string, max = 60): string {
  const chars = Array.from(oneLine(text));
  if (chars.length <= max) return chars.join('');
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${space >= (max * 2) / 3 ? cut.slice(0, space) : cut}…`;
}

/** A post id as the list shows it: client-chosen ids in full, long ones (UUIDv7) by their end, which is random. */
export function shortPostId(id: string): string {
  return id.length <= 20 ? id : `…${id.slice(-8)}`;
}

function changed(fields: readonly string[]): string {
  return `changed ${fields.join(', ').replaceAll('_', ' ')}`;
}

/** Title and the start of the content, whichever there are. */
function postGist(post: { title: string; content: string }, max = 60): string {
  const title = excerpt(post.title, 40);
  return title === '' ? excerpt(post.content, max) : `${title} — ${excerpt(post.content, max - Math.min(title.length, 20))}`;
}

/** What the list knows about the things events refer to by id. */
export interface EventLookups {
  /** A product's sku, for the events that carry only its id (StockAdjusted). */
  skuOf?(productId: string): string | undefined;
  /** A user's handle, for the post and comment events that carry only the author's id. */
  handleOf?(userId: string): string | undefined;
}

/**
 * One line about an event for the live list. It is plain text: the list renders it as text, so
 * whatever a post or a comment says is shown as written and never interpreted.
 */
export function describeEvent(event: HeraldEvent, lookups: EventLookups | ((productId: string) => string | undefined) = {}): string {
  const { skuOf = () => undefined, handleOf = () => undefined } = typeof lookups === 'function' ? { skuOf: lookups } : lookups;
  const by = (userId: string) => {
    const handle = handleOf(userId);
    return handle ? `@${handle} · ` : '';
  };
  switch (event.type) {
    case 'ProductCreated': {
      const p = event.data.product;
      return `${p.sku} · ${p.name} · stock ${p.stock}`;
    }
    case 'ProductUpdated':
      return `${event.data.product.sku} · ${changed(Object.keys(event.data.changes))}`;
    case 'ProductDeleted':
      return `${event.data.sku} · deleted`;
    case 'StockAdjusted': {
      const d = event.data;
      const who = skuOf(d.product_id) ?? d.product_id.slice(0, 8);
      return `${who} · ${signed(d.delta)} → stock ${d.stock_after} · ${d.reason}`;
    }
    case 'LowStockWarning':
      return `${event.data.sku} · stock ${event.data.stock} (threshold ${event.data.low_stock_threshold})`;
    case 'UserRegistered': {
      const u = event.data.user;
      return [`@${u.handle}`, oneLine(u.display_name), u.role === 'admin' ? 'admin' : ''].filter(Boolean).join(' · ');
    }
    case 'UserUpdated':
      return `@${event.data.user.handle} · ${changed(event.data.changed)}`;
    case 'UserFollowed':
    case 'UserUnfollowed': {
      const name = (id: string) => {
        const handle = handleOf(id);
        return handle ? `@${handle}` : `user ${id.slice(0, 8)}`;
      };
      const { follower_id: follower, followee_id: followee } = event.data;
      return `${name(follower)} ${event.type === 'UserFollowed' ? 'follows' : 'no longer follows'} ${name(followee)}`;
    }
    case 'BlogCreated':
      return `${excerpt(event.data.blog.name, 50)} · /${event.data.blog.slug}`;
    case 'BlogUpdated':
      return `${excerpt(event.data.blog.name, 50)} · ${changed(event.data.changed)}`;
    case 'BlogDeleted':
      return `blog ${event.data.blog_id.slice(0, 8)} · deleted`;
    case 'PostCreated': {
      const p = event.data.post;
      return `${by(p.author_id)}${shortPostId(p.id)} · ${postGist(p)}`;
    }
    case 'PostUpdated': {
      const p = event.data.post;
      return `${by(p.author_id)}${shortPostId(p.id)} · edited ${event.data.changed.join(', ')} · ${postGist(p, 50)}`;
    }
    case 'PostDeleted':
      return `${shortPostId(event.data.post_id)} · deleted`;
    case 'CommentAdded': {
      const c = event.data.comment;
      const handle = handleOf(c.author_id);
      return `${handle ? `@${handle} ` : ''}on ${shortPostId(c.post_id)} · “${excerpt(c.content, 70)}” · ${plural(event.data.comment_count, 'comment')}`;
    }
    case 'CommentDeleted':
      return `on ${shortPostId(event.data.post_id)} · comment deleted · ${plural(event.data.comment_count, 'comment')} left`;
    case 'PostImageUploaded':
      return `${by(event.data.author_id)}${shortPostId(event.data.post_id)} · image uploaded, being checked`;
    case 'PostImageReady': {
      const d = event.data;
      const type = d.source_type.replace('image/', '').toUpperCase();
      return `${by(d.author_id)}${shortPostId(d.post_id)} · image ready · ${d.width}x${d.height} from a ${d.source_width}x${d.source_height} ${type}`;
    }
    case 'PostImageRejected':
      return `${by(event.data.author_id)}${shortPostId(event.data.post_id)} · image refused · ${excerpt(event.data.reason, 80)}`;
    case 'PostImageRemoved':
      return `${by(event.data.author_id)}${shortPostId(event.data.post_id)} · image ${event.data.reason === 'replaced' ? 'replaced' : 'removed'}`;
    default:
      return (event as { subject?: string }).subject ?? '';
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
