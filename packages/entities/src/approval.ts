/**
 * The approval gate: whether a schedule's (or campaign's) new Jobs wait for an approver, and for
 * how long. One rule, applied by the worker when it materializes an occurrence and by the API
 * when a template is used.
 */

/** The longest `approval_timeout_hours`: a year. */
export const MAX_APPROVAL_TIMEOUT_HOURS = 8760;

/** The gate settings of a schedule or a campaign. */
export interface ApprovalSettings {
  requiresApproval: boolean;
  approvalTimeoutHours: number | null;
}

/** What a new Job gets: gated or not, and the timeout (hours) of its deadline when gated. */
export interface ApprovalGate {
  gated: boolean;
  /** Null when not gated or when nobody set a timeout (it waits until decided). */
  timeoutHours: number | null;
}

/**
 * A Job is gated when its schedule or its campaign requires approval (either `true` is enough);
 * its timeout is the schedule's when set, else the campaign's (so a schedule can be stricter or
 * more lenient than its campaign, and inherits the campaign's otherwise).
 */
export function approvalGateOf(schedule: ApprovalSettings | null, campaign: ApprovalSettings | null): ApprovalGate {
  const gated = Boolean(schedule?.requiresApproval || campaign?.requiresApproval);
  if (!gated) return { gated, timeoutHours: null };
  return { gated, timeoutHours: schedule?.approvalTimeoutHours ?? campaign?.approvalTimeoutHours ?? null };
}

/** The `status_reason` of a Job the timeout cancelled (`'%s'` gives the SQL `format` pattern of it). */
export function approvalTimedOutReason(hours: number | string): string {
  return `approval timed out after ${hours} h`;
}
