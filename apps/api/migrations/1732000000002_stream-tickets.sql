-- Up Migration

-- Short-lived, single-use tickets that open an event stream where the client cannot send an
-- Authorization header (a browser's EventSource). Only the ticket's SHA-256 is kept, with the
-- principal it stands for; redeeming deletes the row, so a ticket works once, on any instance.
CREATE TABLE stream_tickets (
  ticket_hash bytea PRIMARY KEY CHECK (octet_length(ticket_hash) = 32),
  user_id     uuid NOT NULL,
  handle      text NOT NULL,
  role        text NOT NULL CHECK (role IN ('user', 'admin')),
  expires_at  timestamptz NOT NULL
);
-- Expired tickets are deleted as new ones are issued.
CREATE INDEX stream_tickets_expires_idx ON stream_tickets (expires_at);

-- Down Migration

DROP TABLE stream_tickets;
