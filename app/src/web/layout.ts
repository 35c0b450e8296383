import { assetUrl } from './assets.ts';
import { type HtmlValue, html, type SafeHtml } from './html.ts';

export interface Viewer {
  id: string;
  name: string;
  unread: number;
}

export type NavKey = 'feed' | 'people' | 'friends' | 'chats' | 'me';

export interface PageOptions {
  title: string;
  csrf: string;
  viewer?: Viewer | undefined;
  /** The signed-in user's id when the page could not load their name (error pages). */
  userId?: string | undefined;
  nav?: NavKey;
  /** A constant message for the top of the page (never user text from the URL). */
  flash?: string | undefined;
}

function navLink(href: string, label: HtmlValue, key: NavKey, current: NavKey | undefined): SafeHtml {
  return html`<a href="${href}"${current === key ? html` aria-current="page"` : ''}>${label}</a>`;
}

export function unreadBadge(count: number, attribute: SafeHtml): SafeHtml {
  return html`<span class="badge" ${attribute}${count === 0 ? html` hidden` : ''}>${count}<span class="visually-hidden"> unread</span></span>`;
}

function header(options: PageOptions): SafeHtml {
  const { viewer, nav, csrf } = options;
  const userId = viewer?.id ?? options.userId;
  if (!userId)
    return html`<nav class="nav" aria-label="Main">
      <a class="brand" href="/">Highload Social</a>
      <span class="nav-links"><a href="/signin">Sign in</a><a href="/signup">Sign up</a></span>
    </nav>`;
  return html`<nav class="nav" aria-label="Main">
    <a class="brand" href="/">Highload Social</a>
    <span class="nav-links">
      ${navLink('/', 'Feed', 'feed', nav)}
      ${navLink('/people', 'People', 'people', nav)}
      ${navLink('/friends', 'Friends', 'friends', nav)}
      ${navLink('/chats', html`Chats ${unreadBadge(viewer?.unread ?? 0, html`data-unread-total`)}`, 'chats', nav)}
      ${navLink('/me', viewer?.name ?? 'Profile', 'me', nav)}
      <form method="post" action="/signout" class="inline">
        <input type="hidden" name="_csrf" value="${csrf}">
        <button type="submit" class="link">Sign out</button>
      </form>
    </span>
  </nav>`;
}

/** The whole document: one stylesheet, one deferred script, no inline code (the CSP forbids it). */
export function layout(options: PageOptions, content: SafeHtml): string {
  const userId = options.viewer?.id ?? options.userId;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Highload Social</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
<script src="${assetUrl('app.js')}" defer></script>
</head>
<body${userId ? html` data-user="${userId}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header>${header(options)}</header>
<main id="main" tabindex="-1">
${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ''}
${content}
</main>
</body>
</html>`.value;
}
