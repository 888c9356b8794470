/**
 * How many streams each user holds open on this instance, against a limit: a stream is a socket,
 * a hub listener and a buffer, so one account must not be able to open them without end.
 */
export interface OpenStreams {
  /** Takes a slot for `userId`; undefined when the user is at the limit. The release is idempotent. */
  acquire(userId: string): (() => void) | undefined;
  /** Streams `userId` holds open now. */
  count(userId: string): number;
}

export function createOpenStreams(maxPerUser: number): OpenStreams {
  const open = new Map<string, number>();
  return {
    acquire(userId) {
      const held = open.get(userId) ?? 0;
      if (held >= maxPerUser) return undefined;
      open.set(userId, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userId) ?? 1) - 1;
        if (left > 0) open.set(userId, left);
        else open.delete(userId);
      };
    },
    count: (userId) => open.get(userId) ?? 0,
  };
}
