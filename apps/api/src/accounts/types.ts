import type { UserRegisteredData } from '@herald/event-schemas';

/** The account as the user events carry it. */
export type UserProfileData = UserRegisteredData['user'];
