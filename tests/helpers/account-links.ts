import type { Kysely } from 'kysely';
import type { Config } from '../../server/config';
import type { DB } from '../../server/db/types';
import { buildOutgoing } from '../../server/mailings/outbox';

/**
 * The newest account mail (user invitation / password reset) to `email` as it leaves the
 * server: the stored row holds only a marker, the worker fills in the link when it sends.
 */
export async function outgoingAccountMail(db: Kysely<DB>, email: string, config: Pick<Config, 'secret' | 'publicUrl' | 'mailFrom'>) {
  const row = await db
    .selectFrom('outbox_messages')
    .select(['id', 'idempotency_key', 'invitation_id', 'to_address', 'subject', 'body_text', 'body_html', 'headers'])
    .where('to_address', '=', email)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return buildOutgoing({ ...row, token_nonce: null }, config);
}

/** The /u/<token> link in the newest account mail to `email`, as the recipient gets it. */
export async function accountLinkFor(db: Kysely<DB>, email: string, config: Pick<Config, 'secret' | 'publicUrl' | 'mailFrom'>): Promise<string> {
  const mail = await outgoingAccountMail(db, email, config);
  const match = /(https?:\/\/[^\s/]+\/u\/[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error('no account link in the mail');
  return match[1]!;
}
