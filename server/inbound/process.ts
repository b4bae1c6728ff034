import { sql, type Kysely, type Transaction } from 'kysely';
import { markInvitedBouncedAfterDelivery } from '../persons/invited-mail';
import { sha256 } from '../crypto';
import type { DB } from '../db/types';
import { countSoftBounce, markBounced, markOptedOut } from '../invitations/status';
import { enqueueMail, markBouncedAfterDelivery } from '../mailings/outbox';
import { classifyMessage, type Classification } from './classify';

/**
 * Processes one inbound message exactly once: classify it (readInbound), then find the outbox
 * message and invitation it is about and apply its effect (processInbound), all in the caller's
 * one transaction together with the
 * `inbound_messages` row whose unique `dedup_key` (Message-ID, or a hash of the raw message)
 * makes a second processing of the same message a no-op. Callers acknowledge the message to its
 * source (IMAP \Seen, SMTP 250) only after this returns, so a crash in between leaves it to be
 * processed again, and the second attempt finds the row and does nothing.
 *
 * Effects:
 * - permanent bounce (5.x.x): the outbox message becomes 'bounced' and the invitation
 *   unreachable (`bounced_at`), if the address it went to is still the invitation's address;
 *   reminders skip it (targets.ts), the dashboard and the school list show it, and correcting
 *   the address clears it and sends the invitation again.
 * - temporary bounce (4.x.x, "delayed"): `soft_bounces` + 1; at `softBounceLimit` unreachable.
 * - complaint (ARF): the school is opted out of further mail of the round (it called our mail
 *   spam; mailing it again would hurt the sending domain's reputation).
 * - auto-reply: noted, nothing else. A DSN reporting success: ignored.
 * - reply: listed on the admin's "Berichten" page beside its school and round; forwarded to the
 *   researchers' address when configured.
 */

export interface InboundOptions {
  secret: string;
  softBounceLimit: number;
  forwardRepliesTo?: string;
  /** From header of forwarded replies is the app's; the text says who wrote. */
  publicUrl: string;
}

export interface InboundSource {
  channel: 'imap' | 'smtp';
  /** e.g. `imap:INBOX:<uidvalidity>:<uid>` (for the record, not for de-duplication). */
  sourceRef?: string;
  /** RCPT TO addresses when received over SMTP. */
  envelopeRecipients?: string[];
}

export interface InboundResult {
  duplicate: boolean;
  id: number | null;
  kind: Classification['kind'];
  effect: string;
  invitationId: number | null;
  outboxMessageId: number | null;
}

const OUR_MESSAGE_ID = /^mr\.(\d{1,10})\.([0-9a-f]{12})@/;

interface Target {
  outboxId: number | null;
  toAddress: string | null;
  invitationId: number | null;
}

/** The outbox message (and invitation) a classified message is about, or nulls. */
async function findTarget(trx: Kysely<DB>, c: Classification): Promise<Target> {
  const byId = async (id: number, check?: string): Promise<Target | null> => {
    const row = await trx.selectFrom('outbox_messages').select(['id', 'invitation_id', 'to_address', 'idempotency_key']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    // A quoted Message-ID must carry the hash our Message-IDs carry, not just a number.
    if (check !== undefined && sha256(row.idempotency_key).slice(0, 12) !== check) return null;
    return { outboxId: row.id, toAddress: row.to_address, invitationId: row.invitation_id };
  };
  if (c.verpOutboxId !== null) {
    const found = await byId(c.verpOutboxId);
    if (found) return found;
  }
  for (const ref of c.referencedIds) {
    const match = OUR_MESSAGE_ID.exec(ref);
    if (!match) continue;
    const found = await byId(Number(match[1]), match[2]);
    if (found) return found;
  }
  // Last resort: the address. A DSN's failed recipient, or a reply's sender, matched to the
  // newest invitation mail to it.
  const address = c.kind === 'reply' || c.kind === 'auto-reply' ? c.from : c.recipient;
  if (address) {
    const row = await trx
      .selectFrom('outbox_messages as o')
      .select(['o.id', 'o.invitation_id', 'o.to_address'])
      .where(sql<boolean>`lower(o.to_address) = ${address.toLowerCase()}`)
      .where('o.invitation_id', 'is not', null)
      .where('o.status', 'in', ['sent', 'bounced'])
      .orderBy('o.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) return { outboxId: row.id, toAddress: row.to_address, invitationId: row.invitation_id };
  }
  return { outboxId: null, toAddress: null, invitationId: null };
}

/** A received message, read and classified: the part of processing that needs no database. */
export interface ReadInbound {
  c: Classification;
  dedupKey: string;
}

export async function readInbound(raw: Buffer, source: InboundSource, options: InboundOptions): Promise<ReadInbound> {
  const c = await classifyMessage(raw, options.secret, source.envelopeRecipients ?? []);
  return { c, dedupKey: c.messageId ? `mid:${c.messageId}` : `sha:${sha256(raw.toString('latin1'))}` };
}

/** In the caller's transaction, which holds just this message (it commits before the source is acknowledged). */
export async function processInbound(trx: Transaction<DB>, message: ReadInbound, source: InboundSource, options: InboundOptions, now: Date): Promise<InboundResult> {
  const { c, dedupKey } = message;
  const inserted = await trx
    .insertInto('inbound_messages')
    .values({
      dedup_key: dedupKey,
      channel: source.channel,
      source_ref: source.sourceRef ?? null,
      received_at: now,
      kind: c.kind,
      permanent: c.kind === 'bounce' ? c.permanent : null,
      status_code: c.status,
      reason: c.reason,
      effect: 'pending',
    })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    return { duplicate: true, id: null, kind: c.kind, effect: 'duplicate', invitationId: null, outboxMessageId: null };
  }
  const target = await findTarget(trx, c);
  const invitation = target.invitationId
    ? await trx
        .selectFrom('invitations as i')
        .innerJoin('rounds as r', 'r.id', 'i.round_id')
        .leftJoin('schools as s', 's.id', 'i.school_id')
        .select(['i.id', 'i.round_id', 'i.school_id', 'i.email', 'i.soft_bounces', 'i.erased_at', 'r.name as round_name', 's.name as school_name'])
        .where('i.id', '=', target.invitationId)
        .executeTakeFirst()
    : undefined;
  // An address corrected since the mail went out is not the one that bounced.
  const sameAddress = !!invitation?.email && !!target.toAddress && invitation.email.toLowerCase() === target.toAddress.toLowerCase();
  let effect = target.outboxId === null ? 'unmatched' : 'noted';
  let forwardedId: number | null = null;

  if (c.kind === 'bounce' && invitation && !invitation.erased_at) {
    if (c.permanent) {
      if (target.outboxId !== null) {
        await markBouncedAfterDelivery(trx, target.outboxId, `DSN ${c.status ?? '5.0.0'} (na aflevering aan de relay)`);
      }
      if (sameAddress) {
        await markBounced(trx, invitation.id, c.status, now);
        effect = 'unreachable';
      } else effect = 'address-changed';
    } else if (sameAddress) {
      const updated = await countSoftBounce(trx, invitation.id, c.status, now, options.softBounceLimit);
      effect = updated.bounced_at ? 'unreachable' : 'soft-bounce';
    } else effect = 'address-changed';
  } else if (c.kind === 'bounce' && c.permanent && !invitation && target.outboxId !== null) {
    // A teacher's mail of a person round (no invitation of its own): the teacher's address.
    const teacher = await markInvitedBouncedAfterDelivery(trx, target.outboxId, now);
    if (teacher !== 'none') {
      await markBouncedAfterDelivery(trx, target.outboxId, `DSN ${c.status ?? '5.0.0'} (na aflevering aan de relay)`);
      effect = teacher === 'marked' ? 'unreachable' : 'address-changed';
    }
  } else if (c.kind === 'complaint' && invitation && !invitation.erased_at) {
    await markOptedOut(trx, invitation.id, now);
    effect = 'opted-out';
  } else if (c.kind === 'delivered') {
    effect = 'ignored';
  } else if (c.kind === 'auto-reply') {
    effect = 'noted';
  } else if (c.kind === 'reply') {
    effect = 'listed';
    if (options.forwardRepliesTo) {
      const school = invitation?.school_name ?? 'onbekende afzender';
      const lines = [
        `Een antwoord op een mail van Meetronde${invitation ? ` (meting ${invitation.round_name}, school ${school})` : ''}.`,
        `Afzender: ${c.fromName ? `${c.fromName} ` : ''}<${c.from ?? 'onbekend'}>`,
        `Onderwerp: ${c.subject}`,
        `Ook te lezen onder Berichten: ${options.publicUrl}/admin/berichten`,
        '',
        '----',
        c.text ?? '',
      ];
      const forwarded = await enqueueMail(
        trx,
        {
          key: `inbound-forward:${inserted.id}`,
          to: options.forwardRepliesTo,
          subject: `Antwoord van ${school}: ${c.subject}`.slice(0, 250),
          text: lines.join('\n'),
          headers: c.from && /^[^\s@<>,;]+@[^\s@<>,;]+$/.test(c.from) ? { 'Reply-To': c.from } : {},
        },
        now,
      );
      forwardedId = forwarded.id;
    }
  }

  await trx
    .updateTable('inbound_messages')
    .set({
      effect,
      outbox_message_id: target.outboxId,
      invitation_id: invitation?.id ?? null,
      round_id: invitation?.round_id ?? null,
      school_id: invitation?.erased_at ? null : (invitation?.school_id ?? null),
      from_address: c.from,
      from_name: c.fromName,
      subject: c.subject.slice(0, 500),
      body_text: c.kind === 'reply' ? c.text : null,
      forwarded_outbox_id: forwardedId,
    })
    .where('id', '=', inserted.id)
    .execute();
  return { duplicate: false, id: inserted.id, kind: c.kind, effect, invitationId: invitation?.id ?? null, outboxMessageId: target.outboxId };
}
