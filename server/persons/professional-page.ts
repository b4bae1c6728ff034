import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import { invitedView, openInvited, type InvitedContext, type InvitedRole } from './invited';

/**
 * The professional's page `/pr/<person id>-<mac>` (mac = HMAC(secret, 'professional-link',
 * id:code_nonce), `person-links.ts`), reached from the invitation mail (invited-mail.ts): a person
 * invited by e-mail (`invited.ts`) without classes, who answers the round's own questionnaire once
 * (`person_responses`), with the variables of the actor group 'professional' when the
 * questionnaire declares one.
 */

export const PROFESSIONAL: InvitedRole = {
  role: 'professional',
  link: 'professional-link',
  who: 'de professional',
  noQuestionnaire: 'De vragenlijst is er (nog) niet.',
  find: (db, personId) =>
    db
      .selectFrom('persons as p')
      .innerJoin('rounds as r', 'r.id', 'p.round_id')
      .innerJoin('studies as st', 'st.id', 'r.study_id')
      .leftJoin('swvs as w', 'w.id', 'p.swv_id')
      .select(['p.id', 'p.round_id', 'p.site_id', 'p.status', 'p.code_nonce', 'w.name as swv_name', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'r.questionnaire_version_id as version_id', 'st.name as study_name'])
      .where('p.id', '=', personId)
      .where('p.role', '=', 'professional')
      .executeTakeFirst(),
};

export const openProfessional = (db: Kysely<DB>, secret: string, token: string) => openInvited(db, secret, PROFESSIONAL, token);

export function professionalView(ctx: InvitedContext) {
  const { studyName, roundName, ...rest } = invitedView(ctx);
  return { studyName, roundName, swvName: ctx.swvName, ...rest };
}
