import type { ComponentType } from 'react';
import { AuditPage } from './pages/AuditPage';
import { ComparePage } from './pages/ComparePage';
import { ExportsPage, ReportTablesPage } from './pages/ExportsPage';
import { HomePage } from './pages/HomePage';
import { MessagesPage } from './pages/MessagesPage';
import { ImportsPage } from './pages/ImportsPage';
import { PreviewPage } from './pages/PreviewPage';
import { PrivacyPage } from './pages/PrivacyPage';
import { RoundPage } from './pages/RoundPage';
import { RoundsPage } from './pages/RoundsPage';
import { SchoolsPage } from './pages/SchoolsPage';
import { UsersPage } from './pages/UsersPage';
import { MailLogPage } from './pages/mail/MailLogPage';
import { MailRoundPage } from './pages/mail/MailRoundPage';
import { MailRoundsPage } from './pages/mail/MailRoundsPage';
import { OutboxMessagePage, OutboxPage } from './pages/mail/OutboxPage';
import { TrackingDashboardPage } from './pages/TrackingDashboardPage';
import { TrackingRoundsPage } from './pages/TrackingRoundsPage';

/**
 * The admin app's pages. Each area adds its own entries; `nav` pages appear in the menu.
 * `role: 'admin'` hides the page from researchers (the server refuses them anyway).
 */
export interface PageDef {
  path: string;
  title: string;
  component: ComponentType<{ params: Record<string, string> }>;
  role: 'admin' | 'researcher';
  nav?: boolean;
}

export const pages: PageDef[] = [
  { path: '/', title: 'Overzicht', component: HomePage, role: 'researcher', nav: true },
  // Address lists and rounds (server/schools, server/rounds).
  { path: '/rounds', title: 'Metingen', component: RoundsPage, role: 'researcher', nav: true },
  { path: '/rounds/:id', title: 'Meting', component: RoundPage, role: 'researcher' },
  { path: '/schools', title: 'Scholen', component: SchoolsPage, role: 'researcher', nav: true },
  { path: '/imports', title: 'Adresbestanden', component: ImportsPage, role: 'admin', nav: true },
  { path: '/exports', title: 'Exporteren', component: ExportsPage, role: 'researcher', nav: true },
  { path: '/exports/:roundId', title: 'Tabellen', component: ReportTablesPage, role: 'researcher' },
  { path: '/compare', title: 'Vergelijken', component: ComparePage, role: 'researcher', nav: true },
  // Questionnaire preview as a school sees it (server/responses, GET /api/preview/:id).
  { path: '/voorbeeld', title: 'Voorbeeld', component: PreviewPage, role: 'researcher', nav: true },
  { path: '/respons', title: 'Respons', component: TrackingRoundsPage, role: 'researcher', nav: true },
  { path: '/respons/:roundId', title: 'Respons per meting', component: TrackingDashboardPage, role: 'researcher' },
  { path: '/users', title: 'Gebruikers', component: UsersPage, role: 'admin', nav: true },
  { path: '/privacy', title: 'Privacy', component: PrivacyPage, role: 'admin', nav: true },
  { path: '/audit', title: 'Logboek', component: AuditPage, role: 'admin', nav: true },
  { path: '/mail', title: 'E-mail', component: MailRoundsPage, role: 'admin', nav: true },
  // Mail that came back: replies, auto-replies, bounces (server/inbound).
  { path: '/berichten', title: 'Berichten', component: MessagesPage, role: 'admin', nav: true },
  { path: '/mail/outbox', title: 'Outbox', component: OutboxPage, role: 'admin', nav: true },
  { path: '/mail/outbox/:messageId', title: 'Bericht', component: OutboxMessagePage, role: 'admin' },
  { path: '/mail/rounds/:roundId', title: 'E-mail van een meting', component: MailRoundPage, role: 'admin' },
  { path: '/mail/invitations/:invitationId', title: 'Berichtenlog', component: MailLogPage, role: 'admin' },
];
