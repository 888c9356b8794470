-- Up Migration

-- A re-driven dead letter is published again with its original event id, so the same id may
-- appear in the outbox more than once; lookups by id stay indexed.
ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_key;
CREATE INDEX outbox_event_id_idx ON outbox (event_id);

-- Which dead letters were re-driven, recorded in the same transaction as the outbox row that
-- republishes them, so each is re-driven exactly once whatever happens around it.
CREATE TABLE dead_letter_redrives (
  consumer_group     text NOT NULL,
  dead_letter_offset bigint NOT NULL,
  event_id           uuid NOT NULL,
  redriven_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, dead_letter_offset)
);

-- Down Migration

DROP TABLE dead_letter_redrives;
DROP INDEX outbox_event_id_idx;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);
