import DOMPurify from 'dompurify';
import { QUESTIONNAIRE_HTML_ATTRIBUTES, QUESTIONNAIRE_HTML_TAGS } from '../../../contract/questionnaire-html';

/**
 * Questionnaire HTML is data, not code (issue 27): every text a questionnaire shows as HTML (html
 * questions, titles and descriptions with markup, the printable version) goes through DOMPurify
 * with the allowlist in contract/questionnaire-html.ts, the same one the server applies with
 * sanitize-html. Images only from this site or inline; links open safely.
 */

function isLocalImageSource(src: string): boolean {
  const s = src.trim().toLowerCase();
  if (s.startsWith('data:image/') && !s.startsWith('data:image/svg')) return true;
  return s.startsWith('/') && !s.startsWith('//');
}

const purifier = DOMPurify(window);
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName === 'IMG' && !isLocalImageSource(node.getAttribute('src') ?? '')) node.remove();
  if (node.nodeName === 'A') {
    node.setAttribute('rel', 'noopener noreferrer');
    const href = node.getAttribute('href');
    if (href && !/^(https?:|mailto:)/i.test(href.trim())) node.removeAttribute('href');
  }
});

const CONFIG = {
  ALLOWED_TAGS: [...QUESTIONNAIRE_HTML_TAGS],
  ALLOWED_ATTR: [...QUESTIONNAIRE_HTML_ATTRIBUTES],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

export function sanitizeHtml(html: string): string {
  return purifier.sanitize(html, CONFIG);
}
