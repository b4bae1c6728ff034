import { sql, type Kysely } from 'kysely';
import type { Actor } from '../audit';
import { audit } from '../audit';
import { sha256 } from '../crypto';
import { newAccountToken } from '../invitations/tokens';
import { enqueueMail } from '../mailings/outbox';
import { accountLinkMarker } from '../mailings/templates';
import type { DB, Role } from '../db/types';
import { badRequest, conflict, DomainError, notFound } from '../errors';
import { inviteMail } from './invite-mail';
import { deleteUserSessions } from '../auth/sessions';

/**
 * User management: admins invite users by e-mail (the mail goes through the outbox), disable and
 * enable them and change their role. An invitation is a one-time link /u/<token> that lets the
 * user choose a password; the database keeps only sha256(token).
 */
export const INVITE_VALID_MS = 7 * 24 * 60 * 60 * 1000;

export type UserStatus = 'active' | 'invited' | 'disabled';

export interface UserSummary {
  id: number;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  lastLoginAt: string | null;
  createdAt: string;
  /** Expiry of the newest open invitation link, if any. */
  inviteExpiresAt: string | null;
}

/** The admin acting, as far as these rules need to know. */
export interface ActingUser {
  id: number;
  email: string;
  name: string;
}

const INVALID_LINK = 'Deze link is niet (meer) geldig. Vraag een beheerder om een nieuwe uitnodiging.';

// Printable ASCII only: a look-alike or invisible character in an address is refused, not stored.
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** A usable address for an account, trimmed; throws a Dutch error otherwise. */
export function cleanEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > 254 || !EMAIL_PATTERN.test(email) || email.includes('..')) {
    throw badRequest('invalid_email', 'Vul een geldig e-mailadres in, bijvoorbeeld naam@universiteit.nl.');
  }
  return email;
}

// Control characters, zero-width characters and bidirectional overrides can hide or reorder text.
const FORBIDDEN_IN_NAMES = /[\p{Cc}\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/u;

/** A display name: NFC, trimmed, single spaces; throws a Dutch error for hidden or control characters. */
export function cleanName(raw: string): string {
  if (FORBIDDEN_IN_NAMES.test(raw)) {
    throw badRequest('invalid_name', 'De naam bevat onzichtbare of niet toegestane tekens.');
  }
  const name = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (name.length === 0 || name.length > 200) {
    throw badRequest('invalid_name', 'Vul een naam in van hoogstens 200 tekens.');
  }
  return name;
}

export async function listUsers(db: Kysely<DB>, now: Date): Promise<UserSummary[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'password_hash', 'disabled_at', 'last_login_at', 'created_at'])
    .select((eb) =>
      eb
        .selectFrom('user_invites')
        .select(sql<Date>`max(expires_at)`.as('expires'))
        .whereRef('user_invites.user_id', '=', 'users.id')
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .as('invite_expires_at'),
    )
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.disabled_at ? 'disabled' : row.password_hash ? 'active' : 'invited',
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    inviteExpiresAt: row.invite_expires_at ? new Date(row.invite_expires_at).toISOString() : null,
  }));
}

/**
 * Makes a new invitation link for `userId` (revoking earlier open ones) and puts the mail in the
 * outbox. Runs inside the caller's transaction.
 */
async function issueInvite(
  trx: Kysely<DB>,
  user: { id: number; email: string; name: string; role: Role },
  actor: ActingUser,
  now: Date,
  secret: string,
  renewal: boolean,
): Promise<number> {
  await trx
    .updateTable('user_invites')
    .set({ revoked_at: now })
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  // The link is HMAC(secret, nonce); the row keeps its hash, the mail only a marker with the
  // nonce (filled in when the worker sends it), so nobody reads a working link afterwards.
  const { nonce, hash } = newAccountToken(secret);
  const expiresAt = new Date(now.getTime() + INVITE_VALID_MS);
  const invite = await trx
    .insertInto('user_invites')
    .values({ user_id: user.id, token_hash: hash, created_by: actor.id, created_at: now, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  const mail = inviteMail({ name: user.name, role: user.role, link: accountLinkMarker(nonce), expiresAt, inviterName: actor.name, renewal });
  await enqueueMail(trx, { key: `user-invite:${user.id}:${invite.id}`, to: user.email, subject: mail.subject, text: mail.text, html: mail.html }, now);
  return invite.id;
}

function actorOf(user: ActingUser): Actor {
  return { id: user.id, email: user.email };
}

/** Creates the account and mails its invitation link. In the caller's transaction. */
export async function inviteUser(
  trx: Kysely<DB>,
  input: { email: string; name: string; role: Role },
  actor: ActingUser,
  now: Date,
  secret: string,
): Promise<UserSummary> {
  const email = cleanEmail(input.email);
  const name = cleanName(input.name);
  const existing = await trx
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  if (existing) throw conflict('email_taken', 'Er bestaat al een account met dit e-mailadres.');
  const user = await trx
    .insertInto('users')
    .values({ email, name, role: input.role })
    .returning(['id', 'email', 'name', 'role'])
    .executeTakeFirstOrThrow()
    .catch((error: unknown) => {
      // Two admins inviting the same address at once: the unique index decides.
      if ((error as { code?: unknown }).code === '23505') throw conflict('email_taken', 'Er bestaat al een account met dit e-mailadres.');
      throw error;
    });
  await issueInvite(trx, user, actor, now, secret, false);
  await audit(trx, actorOf(actor), now, 'user.invited', `user:${user.id}`, { role: user.role });
  return findSummary(trx, user.id, now);
}

async function findSummary(db: Kysely<DB>, id: number, now: Date): Promise<UserSummary> {
  const user = (await listUsers(db, now)).find((u) => u.id === id);
  if (!user) throw notFound('Deze gebruiker bestaat niet.');
  return user;
}

async function lockUser(trx: Kysely<DB>, id: number) {
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'disabled_at', 'password_hash'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!user) throw notFound('Deze gebruiker bestaat niet.');
  return user;
}

/** A new one-time link for an existing account: a renewed invitation or a password reset. In the caller's transaction. */
export async function resendInvite(trx: Kysely<DB>, id: number, actor: ActingUser, now: Date, secret: string): Promise<UserSummary> {
  const user = await lockUser(trx, id);
  if (user.disabled_at) throw conflict('user_disabled', 'Dit account is uitgeschakeld. Schakel het eerst weer in.');
  await issueInvite(trx, user, actor, now, secret, user.password_hash !== null);
  await audit(trx, actorOf(actor), now, 'user.invite_sent', `user:${user.id}`, { renewal: user.password_hash !== null });
  return findSummary(trx, id, now);
}

/**
 * Changes an account's role and/or disables or enables it. Disabling ends the user's sessions and
 * revokes open invitation links. Admins cannot change their own account this way, so there is
 * always at least one admin left. In the caller's transaction; `disabled` says whether the
 * caller must end the user's live streams (`sessionEnded`) after the commit.
 */
export async function updateUser(
  trx: Kysely<DB>,
  id: number,
  change: { role?: Role; disabled?: boolean },
  actor: ActingUser,
  now: Date,
): Promise<{ user: UserSummary; disabled: boolean }> {
  if (change.role === undefined && change.disabled === undefined) {
    throw badRequest('nothing_to_change', 'Er is niets om te wijzigen.');
  }
  if (id === actor.id) {
    throw new DomainError(409, 'own_account', 'U kunt uw eigen account niet uitschakelen of een andere rol geven.');
  }
  let disabled = false;
  const user = await lockUser(trx, id);
  if (change.role !== undefined && change.role !== user.role) {
    await trx.updateTable('users').set({ role: change.role }).where('id', '=', id).execute();
    await audit(trx, actorOf(actor), now, 'user.role_changed', `user:${id}`, { from: user.role, to: change.role });
  }
  if (change.disabled === true && !user.disabled_at) {
    await trx.updateTable('users').set({ disabled_at: now }).where('id', '=', id).execute();
    const ended = await deleteUserSessions(trx, id);
    await trx
      .updateTable('user_invites')
      .set({ revoked_at: now })
      .where('user_id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await audit(trx, actorOf(actor), now, 'user.disabled', `user:${id}`, { endedSessions: ended });
    disabled = true;
  } else if (change.disabled === false && user.disabled_at) {
    await trx.updateTable('users').set({ disabled_at: null }).where('id', '=', id).execute();
    await audit(trx, actorOf(actor), now, 'user.enabled', `user:${id}`);
  }
  return { user: await findSummary(trx, id, now), disabled };
}

/** What the password page may show about an open invitation link; null when it is not valid. */
export async function findInvite(db: Kysely<DB>, token: string, now: Date) {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null;
  const row = await db
    .selectFrom('user_invites')
    .innerJoin('users', 'users.id', 'user_invites.user_id')
    .select(['user_invites.id as inviteId', 'users.id', 'users.email', 'users.name', 'users.role', 'users.password_hash'])
    .where('user_invites.token_hash', '=', sha256(token))
    .where('user_invites.used_at', 'is', null)
    .where('user_invites.revoked_at', 'is', null)
    .where('user_invites.expires_at', '>', now)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}

export function invalidInviteLink(): DomainError {
  return new DomainError(404, 'invalid_link', INVALID_LINK);
}

/**
 * Sets the password of the invited user and uses up the link (once: a second use, also a
 * concurrent one, finds it used). Ends the user's other sessions: in the caller's transaction,
 * after whose commit the caller ends their live streams (`sessionEnded`).
 */
export async function acceptInvite(trx: Kysely<DB>, token: string, passwordHash: string, now: Date) {
  const invite = await findInvite(trx, token, now);
  if (!invite) throw invalidInviteLink();
  const used = await trx
    .updateTable('user_invites')
    .set({ used_at: now })
    .where('id', '=', invite.inviteId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw invalidInviteLink();
  await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', invite.id).execute();
  await deleteUserSessions(trx, invite.id);
  await audit(trx, { id: invite.id, email: invite.email }, now, 'user.password_set', `user:${invite.id}`, {
    renewal: invite.password_hash !== null,
  });
  return { id: invite.id, email: invite.email, name: invite.name, role: invite.role };
}
