import type { ComponentType } from 'react';
import { AuditPage } from './pages/AuditPage';
import { ExportsPage, ReportTablesPage } from './pages/ExportsPage';
import { HomePage } from './pages/HomePage';
import { PrivacyPage } from './pages/PrivacyPage';
import { UsersPage } from './pages/UsersPage';

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
  { path: '/exports', title: 'Exporteren', component: ExportsPage, role: 'researcher', nav: true },
  { path: '/exports/:roundId', title: 'Tabellen', component: ReportTablesPage, role: 'researcher' },
  { path: '/users', title: 'Gebruikers', component: UsersPage, role: 'admin', nav: true },
  { path: '/privacy', title: 'Privacy', component: PrivacyPage, role: 'admin', nav: true },
  { path: '/audit', title: 'Logboek', component: AuditPage, role: 'admin', nav: true },
];
