// Moved to server/invitations/eligibility.ts (mailings and rounds both read who a round reaches).
// Kept for the type import of client/admin/pages/RoundPage.tsx until that page reads the contract.
export type { RoundPreview, RoundSchool } from '../invitations/eligibility';
