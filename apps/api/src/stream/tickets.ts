import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Pool } from '../db/pool.js';

/** 32 random bytes, base64url: 43 characters. */
const TICKET = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedTicket {
  ticket: string;
  expiresIn: number;
}

/**
 * Stream tickets: what a browser's EventSource, which cannot send an Authorization header, opens a
 * stream with. A ticket is short-lived and single-use, so the URL that carries it is worth
 * nothing once used, and the long-lived tokens never appear in a URL. Only its SHA-256 is stored,
 * in PostgreSQL, so any instance can redeem a ticket another issued.
 */
export interface StreamTickets {
  /** A new ticket standing for `principal`; expired tickets are deleted in the same statement. */
  issue(principal: Principal): Promise<IssuedTicket>;
  /** The principal of a valid ticket, which is used up; null for an unknown, used or expired one. */
  redeem(ticket: string): Promise<Principal | null>;
  /** The principal of a valid ticket, which stays valid (for HEAD, which opens no stream). */
  peek(ticket: string): Promise<Principal | null>;
}

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest();

interface TicketRow {
  user_id: string;
  handle: string;
  role: Principal['role'];
}

const principalOf = (row: TicketRow | undefined): Principal | null =>
  row ? { userId: row.user_id, handle: row.handle, role: row.role } : null;

export function createStreamTickets({ pool, ttlSeconds }: { pool: Pool; ttlSeconds: number }): StreamTickets {
  return {
    async issue(principal) {
      const ticket = randomBytes(32).toString('base64url');
      // One round trip: the cleanup rides along with the insert, and the expiry index keeps it
      // cheap (there are only as many rows as tickets issued in the last minute).
      await pool.query({
        name: 'stream-ticket-issue',
        text: `WITH expired AS (DELETE FROM stream_tickets WHERE expires_at <= now())
               INSERT INTO stream_tickets (ticket_hash, user_id, handle, role, expires_at)
               VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
        values: [hashOf(ticket), principal.userId, principal.handle, principal.role, ttlSeconds],
      });
      return { ticket, expiresIn: ttlSeconds };
    },
    async redeem(ticket) {
      if (!TICKET.test(ticket)) return null;
      const { rows } = await pool.query<TicketRow>({
        name: 'stream-ticket-redeem',
        text: 'DELETE FROM stream_tickets WHERE ticket_hash = $1 AND expires_at > now() RETURNING user_id, handle, role',
        values: [hashOf(ticket)],
      });
      return principalOf(rows[0]);
    },
    async peek(ticket) {
      if (!TICKET.test(ticket)) return null;
      const { rows } = await pool.query<TicketRow>({
        name: 'stream-ticket-peek',
        text: 'SELECT user_id, handle, role FROM stream_tickets WHERE ticket_hash = $1 AND expires_at > now()',
        values: [hashOf(ticket)],
      });
      return principalOf(rows[0]);
    },
  };
}
