/**
 * What the event stream of one API instance has done since it started: totals that only grow,
 * except `connectionsOpen`. Plain numbers, so `/metrics` (or a test) reads them without reaching
 * into the streams.
 */
export interface StreamStats {
  /** Streams open now. */
  connectionsOpen: number;
  /** Streams opened since start. */
  connectionsOpened: number;
  /** Events written to clients, replayed ones included. */
  eventsDelivered: number;
  /** Clients cut off with `event: overflow`, by cause. */
  overflows: {
    /** The socket backlog stayed above the limit: the client reads too slowly. */
    slowClient: number;
    /** More live events arrived during a replay than may be held back. */
    replayBacklog: number;
  };
  /** Resumes after Last-Event-ID, by where the missed events came from. */
  resumes: {
    /** The id was in this instance's ring of recent events: an exact replay. */
    ring: number;
    /** Replayed from the event log. */
    log: number;
    /** The position could not be found: the client was sent `event: resync`. */
    resync: number;
  };
}

export function createStreamStats(): StreamStats {
  return {
    connectionsOpen: 0,
    connectionsOpened: 0,
    eventsDelivered: 0,
    overflows: { slowClient: 0, replayBacklog: 0 },
    resumes: { ring: 0, log: 0, resync: 0 },
  };
}
