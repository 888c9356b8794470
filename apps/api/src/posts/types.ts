import type { PostCreatedData } from '@herald/event-schemas';

/** The post as the post events carry it. */
export type PostSnapshotData = PostCreatedData['post'];
