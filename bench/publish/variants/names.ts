/** The variants, in the order a round runs them. Kept apart so the orchestrator never loads the app. */
export const VARIANTS = ['herald', 'worker-per-event', 'main-thread', 'ceiling'] as const;
export type VariantName = (typeof VARIANTS)[number];
