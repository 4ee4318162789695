/** One mailbox to send to, or why a stored address is not one. */
export type MailboxCheck = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

// An RFC 5322 addr-spec of dot-atoms (letters, marks and digits of any script
// allowed, RFC 6531, but no other non-ASCII: no look-alike comma or space) and
// nothing else: no display name, quoted string, comment, group or list, whose
// commas, semicolons, colons and angle brackets are exactly what would let one
// stored value name several recipients once a mail library parses it.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\p{L}\\p{M}\\p{N}-]+";
const LABEL = "[A-Za-z0-9\\p{L}\\p{M}\\p{N}](?:[A-Za-z0-9\\p{L}\\p{M}\\p{N}-]*[A-Za-z0-9\\p{L}\\p{M}\\p{N}])?";
const ADDR_SPEC = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})*$`, "u");
/** RFC 5321's limit on a forward path. */
const MAX_LENGTH = 254;

/**
 * The single mailbox a user's stored address (settings, provisioning or the
 * token's claim) names, or the reason it is refused. Pure. The sender passes
 * the result to nodemailer as `{ address }`, which it does not parse again,
 * so `a@x, attacker@evil` or `friends: attacker@evil;` can never become
 * several recipients.
 */
export function singleMailbox(stored: string): MailboxCheck {
  const address = stored.trim();
  if (address.length <= MAX_LENGTH && ADDR_SPEC.test(address)) return { ok: true, address };
  return { ok: false, reason: `not a single email address: ${JSON.stringify(stored.slice(0, 300))}` };
}
