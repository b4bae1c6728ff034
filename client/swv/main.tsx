import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import '../shared/tracking/tracking.css';
import { SwvViewApp } from './SwvViewApp';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SwvViewApp />
  </StrictMode>,
);
