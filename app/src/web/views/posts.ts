import type { Post } from '../../posts/schemas.ts';
import { html, type SafeHtml, url } from '../html.ts';
import { csrfField, formError, postButton, textarea } from './fields.ts';

export interface PostView extends Post {
  authorName: string;
}

export function postCard(post: PostView, viewerId: string, csrf: string): SafeHtml {
  const own = post.author_user_id === viewerId;
  return html`<article class="post card" id="post-${post.id}" data-post-id="${post.id}">
    <header class="post-head">
      <a class="author" href="${url`/people/${post.author_user_id}`}">${post.authorName}</a>
      <span class="new-tag" hidden>New</span>
    </header>
    <p class="post-text">${post.text}</p>
    ${
      own &&
      html`<footer class="actions">
        <a class="button secondary" href="${url`/posts/${post.id}/edit`}">Edit</a>
        ${postButton(url`/posts/${post.id}/delete`, 'Delete', csrf, 'danger')}
      </footer>`
    }
  </article>`;
}

export function composeBox(csrf: string, draft: string, error?: string): SafeHtml {
  return html`<section class="card compose">
    <form method="post" action="/posts">
      ${csrfField(csrf)}
      ${formError(error)}
      ${textarea({ label: 'Write a post', name: 'text', value: draft, required: true, maxlength: 10_000, placeholder: "What's new?" })}
      <button type="submit">Post</button>
    </form>
  </section>`;
}

export function feedView(options: {
  csrf: string;
  viewerId: string;
  posts: PostView[];
  offset: number;
  more: boolean;
  draft: string;
  error?: string | undefined;
}): SafeHtml {
  const { posts, offset, more } = options;
  return html`<h1>Feed</h1>
  ${composeBox(options.csrf, options.draft, options.error)}
  <button type="button" class="new-posts" data-new-posts hidden></button>
  <p class="visually-hidden" role="status" aria-live="polite" data-new-posts-status></p>
  <section class="posts" data-feed aria-label="Posts of your friends">
    ${
      posts.length === 0 && offset === 0
        ? html`<p class="empty card" data-empty>Nothing here yet. Posts of the people you add as friends show up here, live. <a href="/people">Find people</a>.</p>`
        : ''
    }
    ${posts.map((p) => postCard(p, options.viewerId, options.csrf))}
  </section>
  <nav class="pager" aria-label="Feed pages">
    ${offset > 0 && html`<a href="/?offset=${Math.max(0, offset - 20)}">← Newer</a>`}
    ${more && html`<a href="/?offset=${offset + posts.length}">Older →</a>`}
  </nav>`;
}

export function editPostView(csrf: string, post: Post, draft: string, error?: string): SafeHtml {
  return html`<section class="card">
    <h1>Edit post</h1>
    <form method="post" action="${url`/posts/${post.id}/edit`}">
      ${csrfField(csrf)}
      ${formError(error)}
      ${textarea({ label: 'Text', name: 'text', value: draft, required: true, maxlength: 10_000, rows: 6 })}
      <div class="actions"><button type="submit">Save</button> <a class="button secondary" href="/me">Cancel</a></div>
    </form>
  </section>`;
}
