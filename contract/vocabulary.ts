/**
 * The domain vocabulary and its Dutch labels, for both sides. Plain data: no imports.
 * (Situations, sectors, branches and statuses move here from their copies in server/ and client/.)
 */

/** Roles of a person in a person-level round (../shared/person-level-rounds.md). */
export const PERSON_ROLES = ['pupil', 'teacher', 'coordinator', 'school_leader', 'professional', 'parent'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export const PERSON_ROLE_LABELS: Record<PersonRole, string> = {
  pupil: 'Leerling',
  teacher: 'Leerkracht',
  coordinator: 'Coördinator',
  school_leader: 'Schoolleider',
  professional: 'Professional',
  parent: 'Ouder',
};
