import type { NameCursor } from '../../search/service.ts';
import type { Profile, User } from '../../users/schemas.ts';
import { displayName } from '../context.ts';
import { html, type SafeHtml, url } from '../html.ts';
import { genders } from './auth.ts';
import { csrfField, formError, input, postButton, select, textarea } from './fields.ts';

export function personRow(user: User, extra?: SafeHtml): SafeHtml {
  return html`<li class="person">
    <a href="${url`/people/${user.id}`}">${displayName(user)}</a>
    ${user.city && html`<span class="muted">${user.city}</span>`}
    ${extra ?? ''}
  </li>`;
}

function details(user: User, profile?: Profile): SafeHtml {
  return html`<dl class="details">
    ${user.city && html`<dt>City</dt><dd>${user.city}</dd>`}
    ${user.birthdate && html`<dt>Born</dt><dd>${user.birthdate}</dd>`}
    ${profile?.gender && html`<dt>Gender</dt><dd>${profile.gender}</dd>`}
    ${profile?.email && html`<dt>Email</dt><dd>${profile.email}</dd>`}
    <dt>User id</dt><dd>${user.id}</dd>
  </dl>
  ${user.biography ? html`<p class="bio">${user.biography}</p>` : ''}`;
}

/** Where the list of a profile's posts goes on: the id of the last one shown, and whether this is a later page. */
export interface PostsPaging {
  older: string | undefined;
  paged: boolean;
}

function postsPager(base: string, paging: PostsPaging): SafeHtml {
  return html`<nav class="pager" aria-label="Post pages">
    ${paging.paged && html`<a href="${base}">← Newest posts</a>`}
    ${paging.older && html`<a href="${base}?before=${paging.older}" rel="next">Older posts →</a>`}
  </nav>`;
}

export function profileView(
  user: User,
  csrf: string,
  friend: boolean,
  posts: SafeHtml[],
  paging: PostsPaging,
): SafeHtml {
  const action = friend
    ? postButton(url`/people/${user.id}/unfriend`, 'Remove friend', csrf, 'secondary')
    : postButton(url`/people/${user.id}/friend`, 'Add friend', csrf, 'primary');
  return html`<section class="card profile">
    <h1>${displayName(user)}</h1>
    ${friend && html`<p class="muted" data-friend-state>In your friends: their posts are in your feed.</p>`}
    ${details(user)}
    <div class="actions">${action} <a class="button secondary" href="${url`/chats/${user.id}`}">Message</a></div>
  </section>
  <h2>Posts</h2>
  <section class="posts" data-user-posts aria-label="Posts of ${displayName(user)}">
    ${posts.length === 0 ? html`<p class="empty card" data-empty>${paging.paged ? 'No older posts.' : 'No posts yet.'}</p>` : posts}
  </section>
  ${postsPager(url`/people/${user.id}`, paging)}`;
}

export function myProfileView(profile: Profile, posts: SafeHtml[], paging: PostsPaging): SafeHtml {
  return html`<section class="card profile">
    <h1>${displayName(profile)}</h1>
    ${details(profile, profile)}
    <div class="actions"><a class="button secondary" href="/me/edit">Edit profile</a></div>
  </section>
  <h2>Your posts</h2>
  <section class="posts" data-user-posts aria-label="Your posts">
    ${
      posts.length === 0
        ? paging.paged
          ? html`<p class="empty card" data-empty>No older posts.</p>`
          : html`<p class="empty card" data-empty>You have not posted yet. <a href="/">Write your first post</a>.</p>`
        : posts
    }
  </section>
  ${postsPager('/me', paging)}`;
}

export function editProfileView(csrf: string, values: Record<string, string>, error?: string): SafeHtml {
  return html`<section class="card narrow">
    <h1>Edit profile</h1>
    ${formError(error)}
    <form method="post" action="/me/edit">
      ${csrfField(csrf)}
      ${input({ label: 'First name', name: 'first_name', value: values.first_name, required: true, maxlength: 100, autocomplete: 'given-name' })}
      ${input({ label: 'Last name', name: 'second_name', value: values.second_name, required: true, maxlength: 100, autocomplete: 'family-name' })}
      ${input({ label: 'Date of birth', name: 'birthdate', type: 'date', value: values.birthdate, required: true })}
      ${select({ label: 'Gender', name: 'gender', value: values.gender, options: genders })}
      ${input({ label: 'City', name: 'city', value: values.city, maxlength: 100 })}
      ${textarea({ label: 'About you', optional: true, name: 'biography', value: values.biography, maxlength: 4000, rows: 4 })}
      ${input({ label: 'Email', name: 'email', type: 'email', value: values.email, maxlength: 254, autocomplete: 'email' })}
      ${input({ label: 'New password', name: 'password', type: 'password', maxlength: 128, autocomplete: 'new-password', hint: 'Leave empty to keep the current one. Changing it signs you out on every other device.' })}
      ${input({ label: 'Current password', name: 'current_password', type: 'password', maxlength: 128, autocomplete: 'current-password', hint: 'Needed only to change the password.' })}
      <div class="actions"><button type="submit">Save</button> <a class="button secondary" href="/me">Cancel</a></div>
    </form>
  </section>
  <section class="card narrow">
    <h2>Sessions</h2>
    <p class="muted">Lost a device, or signed in somewhere you should not have? End every session and app token of your account, this one too.</p>
    <form method="post" action="/signout/everywhere">
      ${csrfField(csrf)}
      <div class="actions"><button type="submit" class="secondary">Sign out everywhere</button></div>
    </form>
  </section>`;
}

export interface SearchState {
  first: string;
  last: string;
  results: User[] | undefined;
  /** Shown after a cursor (not the first page). */
  paged: boolean;
  /** Where the next page starts, when there is one. */
  next?: NameCursor | undefined;
  error?: string | undefined;
}

export function searchView(s: SearchState): SafeHtml {
  const link = (after?: NameCursor) =>
    `/people?${new URLSearchParams({
      first: s.first,
      last: s.last,
      ...(after ? { after_first: after.first_name, after_last: after.second_name, after_id: after.id } : {}),
    })}`;
  return html`<h1>Find people</h1>
  <section class="card">
    <form method="get" action="/people" class="search" role="search">
      ${input({ label: 'First name starts with', name: 'first', type: 'search', value: s.first, required: true, maxlength: 100 })}
      ${input({ label: 'Last name starts with', name: 'last', type: 'search', value: s.last, maxlength: 100 })}
      <button type="submit">Search</button>
    </form>
    ${formError(s.error)}
  </section>
  ${
    s.results === undefined
      ? html`<p class="muted">Type the first letters of a first name, and of a last name to narrow it down.</p>`
      : s.results.length === 0
        ? html`<p class="empty card" data-empty>${s.paged ? 'No more people.' : 'Nobody found. Try fewer letters.'}</p>`
        : html`<ul class="people card" aria-label="Search results">${s.results.map((u) => personRow(u))}</ul>`
  }
  <nav class="pager" aria-label="Result pages">
    ${s.paged && html`<a href="${link()}">← First page</a>`}
    ${s.next && html`<a href="${link(s.next)}" rel="next">Next →</a>`}
  </nav>`;
}

export function friendsView(users: User[], next: string | undefined): SafeHtml {
  return html`<h1>Friends</h1>
  ${
    users.length === 0
      ? html`<p class="empty card" data-empty>You have not added friends yet. <a href="/people">Find people</a> and press “Add friend” on their page.</p>`
      : html`<ul class="people card" aria-label="Your friends">${users.map((u) => personRow(u, html`<a class="button secondary small" href="${url`/chats/${u.id}`}">Message</a>`))}</ul>`
  }
  <nav class="pager" aria-label="Friend pages">${next && html`<a href="/friends?after=${next}">More →</a>`}</nav>`;
}
