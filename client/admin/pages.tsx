import type { ComponentType } from 'react';
import { HomePage } from './pages/HomePage';

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

export const pages: PageDef[] = [{ path: '/', title: 'Overzicht', component: HomePage, role: 'researcher', nav: true }];
