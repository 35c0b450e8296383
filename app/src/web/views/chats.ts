import { html, type SafeHtml, url } from '../html.ts';
import { unreadBadge } from '../layout.ts';
import { csrfField, formError, textarea } from './fields.ts';

export interface ChatRow {
  peerId: string;
  peerName: string;
  unread: number;
  last: { fromMe: boolean; text: string; at: string } | null;
}

export interface MessageView {
  mine: boolean;
  text: string;
}

function when(at: string): string {
  const date = new Date(at.includes('T') ? at : `${at.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 16).replace('T', ' ');
}

export function chatsView(rows: ChatRow[], next: string | undefined): SafeHtml {
  return html`<h1>Chats</h1>
  ${
    rows.length === 0
      ? html`<p class="empty card" data-empty>No chats yet. Open someone's page and press “Message” to start one.</p>`
      : html`<ul class="chats card" aria-label="Your chats">
        ${rows.map(
          (r) => html`<li class="chat${r.unread > 0 ? ' unread' : ''}" data-chat="${r.peerId}">
            <a href="${url`/chats/${r.peerId}`}">
              <span class="chat-head"><strong>${r.peerName}</strong> ${unreadBadge(r.unread, html`data-unread-peer="${r.peerId}"`)}
                ${r.last && html`<time class="muted small">${when(r.last.at)}</time>`}</span>
              <span class="preview muted">${r.last ? html`${r.last.fromMe ? 'You: ' : ''}${r.last.text}` : ''}</span>
            </a>
          </li>`,
        )}
      </ul>`
  }
  <nav class="pager" aria-label="Chat pages">${next && html`<a href="/chats?before=${next}">Older chats →</a>`}</nav>`;
}

export function messagesList(messages: MessageView[]): SafeHtml {
  return html`<ol class="messages" data-messages aria-label="Messages" aria-live="polite">
    ${messages.length === 0 ? html`<li class="empty muted" data-empty>No messages yet. Say hello!</li>` : ''}
    ${messages.map((m) => html`<li class="message ${m.mine ? 'mine' : 'theirs'}"><span class="visually-hidden">${m.mine ? 'You' : 'They'}: </span>${m.text}</li>`)}
  </ol>`;
}

export function dialogView(options: {
  peerId: string;
  peerName: string;
  messages: MessageView[];
  csrf: string;
  draft?: string;
  error?: string;
}): SafeHtml {
  return html`<section class="dialog" data-dialog-peer="${options.peerId}">
    <h1>Chat with <a href="${url`/people/${options.peerId}`}">${options.peerName}</a></h1>
    <div class="card">${messagesList(options.messages)}</div>
    <form method="post" action="${url`/chats/${options.peerId}`}" class="card send">
      ${csrfField(options.csrf)}
      ${formError(options.error)}
      ${textarea({ label: 'Write a message', name: 'text', value: options.draft ?? '', required: true, maxlength: 4000, rows: 2 })}
      <button type="submit">Send</button>
    </form>
  </section>`;
}
