import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto';
import { mailAddress } from './templates';

/**
 * VERP-style envelope senders. Every outgoing message carries its own Return-Path,
 * `<local>+b<outbox id>.<signature>@<domain>`, so a delivery status notification (which goes to
 * the envelope sender) names the message it is about even when it quotes nothing of it. The
 * signature is an HMAC of the id under the app's SECRET: nobody can forge a bounce for another
 * message (the id alone is guessable). Lower-case hex, because some MTAs fold local parts to
 * lower case; 16 characters (64 bits) is plenty for something checked online, once per message.
 */

const SIGNATURE_LENGTH = 16;

function signature(secret: string, outboxId: number): string {
  return createHmac('sha256', secret).update(`verp\0${outboxId}`).digest('hex').slice(0, SIGNATURE_LENGTH);
}

function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The envelope sender of outbox message `outboxId`, built on `base` (an address or "Name <address>"). */
export function verpAddress(base: string, secret: string, outboxId: number): string {
  const parts = splitAddress(mailAddress(base));
  if (!parts) return mailAddress(base);
  const local = parts.local.split('+')[0]!;
  return `${local}+b${outboxId}.${signature(secret, outboxId)}@${parts.domain}`;
}

/**
 * The outbox id an address names, when it is one of ours with a valid signature; otherwise null.
 * Accepts the address in any case and with or without angle brackets.
 */
export function parseVerpAddress(address: string, secret: string): number | null {
  const match = /\+b(\d{1,10})\.([0-9a-f]{16})@/i.exec(address.trim());
  if (!match) return null;
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return null;
  return safeEqual(match[2]!.toLowerCase(), signature(secret, id)) ? id : null;
}
