/**
 * How long an instance holds the right to mint a component token (the lease row). A dead
 * instance's lease runs out after this; the refresh margin must leave room for two of them.
 */
export const COMPONENT_TOKEN_LEASE_SEC = 30;

/**
 * Pause before asking WeChat again for a ticket that has not come (none yet, or pushes stopped).
 * Doubled after every ask, up to ticketRepushIntervalSec; back to the start when a ticket comes.
 */
export const TICKET_ASK_FIRST_INTERVAL_SEC = 60;

/** After WeChat refused the stored ticket, at most one ask for a push per this interval. */
export const REJECTED_TICKET_ASK_INTERVAL_SEC = 60;

/** api_component_token errcodes that condemn the ticket: 61005 expired, 61006 invalid. */
export const TICKET_REJECTED_ERRCODES: ReadonlySet<number> = new Set([61005, 61006]);
