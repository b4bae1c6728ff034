/**
 * School addresses are generic mailboxes (info@…, administratie@…) from DUO or from a list an
 * SWV supplies. "Usable" means: one address, plausible syntax, a domain with a dot and a
 * top-level part of letters. Deliverability is learnt from bounces, not guessed here.
 */

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

/** Normalises (trim, drop `mailto:`, lower-case domain) and checks one address. */
export function checkEmail(raw: string): EmailCheck {
  let value = raw.trim();
  if (/^mailto:/i.test(value)) value = value.slice(7).trim();
  if (value === '') return { ok: false, reason: 'e-mailadres ontbreekt' };
  if (/[,;\s]/.test(value) && value.split(/[,;\s]+/).filter((part) => part.includes('@')).length > 1) {
    return { ok: false, reason: 'meer dan één e-mailadres in één veld' };
  }
  if (value.length > 254) return { ok: false, reason: 'e-mailadres is te lang' };
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return { ok: false, reason: 'ongeldig e-mailadres' };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL.test(local)) return { ok: false, reason: 'ongeldig e-mailadres' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !/^[a-z]{2,63}$/.test(labels.at(-1)!)) {
    return { ok: false, reason: 'ongeldig e-mailadres' };
  }
  return { ok: true, email: `${local}@${domain}` };
}

/**
 * Where a school's address came from. A DUO import never overwrites an address an admin typed
 * or imported from an SWV's own list: those are usually better than DUO's generic mailbox.
 */
export type EmailSource = 'duo' | 'contact-list' | 'admin';

export const EMAIL_SOURCE_LABELS: Record<EmailSource, string> = {
  duo: 'DUO',
  'contact-list': 'eigen lijst',
  admin: 'handmatig',
};

/**
 * A correction for an address in a recognisably broken form, or null. Handles what DUO's
 * register and hand-made lists contain: `info(at)school.nl` / `info [at] school.nl` /
 * `info at school.nl`, `(dot)`, spaces inside the address, a trailing dot or separator,
 * `mailto:`, angle brackets or quotes around it, a doubled `@` or `..`. Only returns an address
 * that passes `checkEmail`; two addresses in one field are never "corrected" into one.
 */
export function suggestEmailCorrection(raw: string): string | null {
  let value = raw.trim();
  if (value === '' || checkEmail(value).ok) return null;
  if (value.split(/[,;\s]+/).filter((part) => part.includes('@')).length > 1) return null;
  value = value.replace(/^mailto:/i, '').trim();
  value = value.replace(/^<(.*)>$/, '$1').replace(/^["'](.*)["']$/, '$1').trim();
  value = value.replace(/\s*[([{<]\s*(?:at|@|apenstaartje)\s*[)\]}>]\s*/gi, '@');
  value = value.replace(/\s*[([{<]\s*(?:dot|punt)\s*[)\]}>]\s*/gi, '.');
  if (!value.includes('@')) value = value.replace(/\s+(?:at|AT)\s+/, '@');
  value = value.replace(/\s+/g, '');
  value = value.replace(/^mailto:/i, '');
  value = value.replace(/@{2,}/g, '@').replace(/\.{2,}/g, '.');
  value = value.replace(/^[.,;:]+|[.,;:]+$/g, '');
  value = value.replace(/\.@|@\./g, '@');
  const checked = checkEmail(value);
  return checked.ok ? checked.email : null;
}
