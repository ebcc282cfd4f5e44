/** Log messages that something outside the function matches on; keep both sides in step. */

/** Counted by the stack's metric filter for the mirror alarm. */
export const MIRROR_FAILED_MESSAGE = 'mirror write failed';
