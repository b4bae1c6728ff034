import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import { invitedPerson, invitedView, openInvited, type InvitedContext, type InvitedRole } from './invited';

/**
 * The professional's page `/pr/<person id>-<mac>` (mac = HMAC(secret, 'professional-link',
 * id:code_nonce), `person-links.ts`), reached from the invitation mail (invited-mail.ts): a person
 * invited by e-mail (`invited.ts`) without classes, who answers the round's own questionnaire once
 * (`person_responses`), with the variables of the actor group 'professional' when the
 * questionnaire declares one.
 */

/** A professional with their own SWV (w), if the list named one; they answer the round's own questionnaire. */
const findProfessional: InvitedRole['find'] = (db, personId) =>
  invitedPerson(db, personId, 'professional').leftJoin('swvs as w', 'w.id', 'p.swv_id').select(['w.name as swv_name', 'r.questionnaire_version_id as version_id']).executeTakeFirst();

export const PROFESSIONAL: InvitedRole = { role: 'professional', link: 'professional-link', who: 'de professional', noQuestionnaire: 'De vragenlijst is er (nog) niet.', find: findProfessional };

export const openProfessional = (db: Kysely<DB>, secret: string, token: string) => openInvited(db, secret, PROFESSIONAL, token);

export function professionalView(ctx: InvitedContext) {
  const { studyName, roundName, ...rest } = invitedView(ctx);
  return { studyName, roundName, swvName: ctx.swvName, ...rest };
}
