import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../lib/poll.ts';
import { startTestStack, type TestStack } from '../test-support/stack.ts';
import { launchChromium, type Person, screenshot, signUp } from './browser.ts';

let stack: TestStack;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let aliceContext: BrowserContext;
let bobContext: BrowserContext;
let alice: Page;
let bob: Page;
let aliceId: string;
let bobId: string;

const alicePerson: Person = {
  first: 'Алиса',
  last: 'Селезнёва',
  email: 'alice@example.org',
  password: 'alice-pass-1',
};
const bobPerson: Person = {
  first: 'Борис',
  last: 'Годунов',
  email: 'bob@example.org',
  password: 'bob-pass-12',
};
const timeout = 15_000;

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.app();
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
  aliceContext = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  bobContext = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  for (const context of [aliceContext, bobContext]) context.setDefaultTimeout(timeout);
  alice = await aliceContext.newPage();
  bob = await bobContext.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Reloads until the locator shows: for what a slave serves a moment after the master has it. */
async function reloadUntilVisible(page: Page, url: string, locator: () => ReturnType<Page['locator']>) {
  await waitFor(
    async () => {
      await page.goto(url);
      return (await locator().count()) > 0 ? true : undefined;
    },
    { timeoutMs: timeout, intervalMs: 200, what: `${url} to show it` },
  );
}

/** The status a WebSocket handshake to /web/live gets: 101 when it is accepted. */
function handshake(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: the server closes one whose upgrade it refused.
    const req = httpRequest(`${base}/web/live`, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web interface in a browser', () => {
  it('registers two users in two browsers, each signed in on their feed with an HttpOnly SameSite cookie', async () => {
    await alice.goto(`${base}/`);
    expect(new URL(alice.url()).pathname).toBe('/signin');
    await screenshot(alice, 'signin');
    await alice.goto(`${base}/signup`);
    await screenshot(alice, 'signup');

    aliceId = await signUp(alice, base, alicePerson);
    bobId = await signUp(bob, base, bobPerson);
    expect(aliceId).not.toBe(bobId);
    expect(await alice.getByRole('heading', { name: 'Feed' }).isVisible()).toBe(true);
    expect(await alice.locator('[data-empty]').textContent()).toContain('Nothing here yet');

    const [cookie] = (await aliceContext.cookies()).filter((c) => c.name === 'hs_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(await alice.evaluate('document.cookie')).toBe('');
  });

  it('edits its own profile, with a message for a bad value and the saved values shown', async () => {
    await alice.goto(`${base}/me`);
    await alice.getByRole('link', { name: 'Edit profile' }).click();
    await alice.getByLabel('Date of birth').fill('2999-01-01');
    await alice.getByRole('button', { name: 'Save' }).click();
    expect(await alice.getByRole('alert').textContent()).toContain('Birthdate must be between');
    expect(await alice.getByLabel('First name').inputValue()).toBe(alicePerson.first);

    await alice.getByLabel('Date of birth').fill('1991-07-08');
    await alice.getByLabel('City').fill('Казань');
    await alice.getByLabel('About you').fill('Люблю <i>курсив</i>');
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.getByText('Your profile is saved.').waitFor();
    expect(await alice.locator('.details').textContent()).toContain('Казань');
    expect(await alice.locator('.bio').textContent()).toBe('Люблю <i>курсив</i>');
  });

  it('signs out, refuses a wrong password with a message, and signs in again by email', async () => {
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await bob.getByText('You are signed out.').waitFor();
    await bob.goto(`${base}/friends`);
    expect(new URL(bob.url()).pathname).toBe('/signin');

    await bob.getByLabel('Email or user id').fill(bobPerson.email);
    await bob.getByLabel('Password').fill('wrong-password');
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await bob.getByRole('alert').waitFor();
    expect(await bob.getByRole('alert').textContent()).toContain('wrong');
    expect(await bob.content()).not.toContain('"code"');

    await bob.getByLabel('Password').fill(bobPerson.password);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await bob.getByRole('heading', { name: 'Friends' }).waitFor();
    expect(new URL(bob.url()).pathname).toBe('/friends');
    expect(await bob.locator('[data-empty]').textContent()).toContain('not added friends yet');
  });

  it('finds a user by first and last name prefix and opens their profile', async () => {
    await alice.getByRole('link', { name: 'People', exact: true }).click();
    await alice.getByLabel('First name starts with').fill('Бор');
    await alice.getByLabel('Last name starts with').fill('Год');
    const searchUrl = `${base}/people?first=${encodeURIComponent('Бор')}&last=${encodeURIComponent('Год')}`;
    await alice.getByLabel('Last name starts with').press('Enter');
    await reloadUntilVisible(alice, searchUrl, () =>
      alice.getByRole('link', { name: `${bobPerson.first} ${bobPerson.last}` }),
    );
    await screenshot(alice, 'search');
    await alice.goto(`${base}/people?first=${encodeURIComponent('Бык')}`);
    expect(await alice.locator('[data-empty]').textContent()).toContain('Nobody found');
  });

  it('pages search results with "Next" links that continue after the last one shown (keyset)', async () => {
    const admin = await stack.admin('master');
    const names = Array.from({ length: 25 }, (_, i): [string, string] => [
      'Постранична',
      `Проверкина${String(i).padStart(2, '0')}`,
    ]);
    try {
      await admin.exec('USE ??', [stack.config.master.database]);
      await admin.exec('INSERT INTO `user` (first_name, second_name, password_hash) VALUES ?', [
        names.map(([first, last]) => [first, last, 'x']),
      ]);
    } finally {
      await admin.close();
    }
    const results = alice.locator('[aria-label="Search results"] a');
    // One statement: once a slave shows the Next link, it has all 25.
    await reloadUntilVisible(
      alice,
      `${base}/people?first=${encodeURIComponent('Постр')}&last=${encodeURIComponent('Пров')}`,
      () => alice.getByRole('link', { name: 'Next →' }),
    );
    expect(await results.allTextContents()).toEqual(names.slice(0, 20).map(([f, l]) => `${f} ${l}`));
    await alice.getByRole('link', { name: 'Next →' }).click();
    await alice.getByRole('link', { name: '← First page' }).waitFor();
    expect(await results.allTextContents()).toEqual(names.slice(20).map(([f, l]) => `${f} ${l}`));
    expect(await alice.getByRole('link', { name: 'Next →' }).count()).toBe(0);
    expect(new URL(alice.url()).searchParams.get('after_last')).toBe('Проверкина19');
  });

  it("adds a friend from the other user's profile and lists them among friends", async () => {
    await alice.goto(`${base}/people/${bobId}`);
    await alice.getByRole('button', { name: 'Add friend' }).click();
    await alice.getByText('Added to your friends.').waitFor();
    expect(await alice.getByRole('button', { name: 'Remove friend' }).isVisible()).toBe(true);
    await screenshot(alice, 'profile');
    await reloadUntilVisible(alice, `${base}/friends`, () =>
      alice.getByRole('link', { name: `${bobPerson.first} ${bobPerson.last}` }),
    );
    await screenshot(alice, 'friends');
  });

  it("shows a friend's new post live in the feed, with a new-post cue, without reloading", async () => {
    await alice.goto(`${base}/`);
    await alice.locator('body[data-live="ready"]').waitFor();
    await alice.evaluate('window.notReloaded = true');

    await bob.goto(`${base}/`);
    await bob.getByLabel('Write a post').fill('Первый пост Бориса');
    await bob.getByRole('button', { name: 'Post', exact: true }).click();
    await bob.getByText('Posted.').waitFor();

    const card = alice.locator('.post', { hasText: 'Первый пост Бориса' });
    await card.waitFor();
    expect(await card.locator('.new-tag').isVisible()).toBe(true);
    expect(await card.locator('.author').textContent()).toBe(`${bobPerson.first} ${bobPerson.last}`);
    expect(await alice.locator('[data-new-posts]').textContent()).toContain('1 new post');
    expect(await alice.evaluate('window.notReloaded')).toBe(true);
    await screenshot(alice, 'feed');
  });

  it('renders a post with HTML in it as text, live and after a reload', async () => {
    const evil = '<script>window.pwned = 1</script><b>bold</b> & "quotes"';
    await bob.getByLabel('Write a post').fill(evil);
    await bob.getByRole('button', { name: 'Post', exact: true }).click();
    await bob.getByText('Posted.').waitFor();

    const live = alice.locator('.post-text', { hasText: 'window.pwned' });
    await live.waitFor();
    expect(await live.textContent()).toBe(evil);
    expect(await live.locator('b, script').count()).toBe(0);
    expect(await alice.locator('[data-new-posts]').textContent()).toContain('2 new posts');

    await alice.reload();
    const rendered = alice.locator('.post-text', { hasText: 'window.pwned' });
    expect(await rendered.textContent()).toBe(evil);
    expect(await rendered.locator('b, script').count()).toBe(0);
    expect(await alice.evaluate('window.pwned')).toBeUndefined();
  });

  it('edits and deletes one of its own posts from the profile page', async () => {
    await bob.getByRole('link', { name: `${bobPerson.first} ${bobPerson.last}` }).click();
    const post = bob.locator('.post', { hasText: 'Первый пост Бориса' });
    await post.getByRole('link', { name: 'Edit' }).click();
    await bob.getByLabel('Text').fill('Исправленный пост');
    await bob.getByRole('button', { name: 'Save' }).click();
    await bob.getByText('The post is saved.').waitFor();
    expect(await bob.locator('.post', { hasText: 'Исправленный пост' }).count()).toBe(1);
    await screenshot(bob, 'my-profile');

    await bob
      .locator('.post', { hasText: 'Исправленный пост' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await bob.getByText('The post is deleted.').waitFor();
    expect(await bob.locator('.post', { hasText: 'Исправленный пост' }).count()).toBe(0);
  });

  it("lists a user's posts on their profile page, for other users too, without edit buttons", async () => {
    await reloadUntilVisible(alice, `${base}/people/${bobId}`, () =>
      alice.locator('[data-user-posts] .post', { hasText: 'window.pwned' }),
    );
    const card = alice.locator('[data-user-posts] .post', { hasText: 'window.pwned' });
    expect(await card.locator('.author').textContent()).toBe(`${bobPerson.first} ${bobPerson.last}`);
    expect(await card.locator('.post-text b, .post-text script').count()).toBe(0);
    expect(await card.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await alice.locator('[data-user-posts] .post', { hasText: 'Исправленный пост' }).count()).toBe(0);
  });

  it('shows an unread badge for a chat message that clears when the chat is read, and updates the open chat live', async () => {
    // Everything below arrives by push over the page's socket: the counts are never polled for.
    let polls = 0;
    alice.on('request', (r) => {
      if (new URL(r.url()).pathname === '/web/unread') polls += 1;
    });
    await alice.goto(`${base}/`);
    await alice.locator('body[data-live="ready"]').waitFor();
    const total = alice.locator('header [data-unread-total]');
    expect(await total.isHidden()).toBe(true);

    await bob.goto(`${base}/people/${aliceId}`);
    await bob.getByRole('link', { name: 'Message' }).click();
    await bob.getByLabel('Write a message').fill('Привет, Алиса!');
    await bob.getByRole('button', { name: 'Send' }).click();
    await bob.locator('.message.mine', { hasText: 'Привет, Алиса!' }).waitFor();

    // Alice's feed page learns of it without a reload.
    await alice.locator('header [data-unread-total]:not([hidden])').waitFor();
    expect(await total.textContent()).toBe('1 unread');

    await alice.getByRole('link', { name: /^Chats/ }).click();
    const row = alice.locator(`[data-chat="${bobId}"]`);
    expect(await row.locator('[data-unread-peer]').textContent()).toBe('1 unread');
    expect(await row.textContent()).toContain('Привет, Алиса!');
    await screenshot(alice, 'chats');

    await row.getByRole('link').click();
    await alice.locator('.message.theirs', { hasText: 'Привет, Алиса!' }).waitFor();
    expect(await total.isHidden()).toBe(true);
    await alice.locator('body[data-live="ready"]').waitFor();

    await bob.getByLabel('Write a message').fill('Как дела?');
    await bob.getByRole('button', { name: 'Send' }).click();
    await alice.locator('.message.theirs', { hasText: 'Как дела?' }).waitFor();
    await alice.getByLabel('Write a message').fill('Отлично!');
    await alice.getByRole('button', { name: 'Send' }).click();
    await alice.locator('.message.mine', { hasText: 'Отлично!' }).waitFor();
    await screenshot(alice, 'dialog');

    await alice.goto(`${base}/chats`);
    expect(await alice.locator(`[data-chat="${bobId}"] [data-unread-peer]`).isHidden()).toBe(true);
    expect(await total.isHidden()).toBe(true);

    // The chat list updates by push too: a new message raises its badge without a reload.
    await alice.locator('body[data-live="ready"]').waitFor();
    await alice.evaluate('window.notReloaded = true');
    await bob.getByLabel('Write a message').fill('Ещё одно');
    await bob.getByRole('button', { name: 'Send' }).click();
    await alice.locator(`[data-chat="${bobId}"] [data-unread-peer]:not([hidden])`).waitFor();
    expect(await alice.locator(`[data-chat="${bobId}"] [data-unread-peer]`).textContent()).toBe('1 unread');
    expect(await total.textContent()).toBe('1 unread');
    expect(await alice.evaluate('window.notReloaded')).toBe(true);
    expect(polls).toBe(0);
  });

  it('shows friendly pages for errors and rejects a form posted without its CSRF token', async () => {
    const missing = await alice.goto(`${base}/people/999999999`);
    expect(missing?.status()).toBe(404);
    expect(missing?.headers()['content-type']).toContain('text/html');
    expect(await alice.getByRole('heading', { name: 'Not found' }).isVisible()).toBe(true);
    await screenshot(alice, 'not-found');

    const forged = await aliceContext.request.post(`${base}/posts`, {
      form: { text: 'forged' },
      headers: { origin: base },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('This form has expired');
    const crossSite = await aliceContext.request.post(`${base}/posts`, {
      form: { text: 'forged' },
      headers: { origin: 'http://evil.example' },
    });
    expect(crossSite.status()).toBe(403);

    const openapi = await aliceContext.request.get(`${base}/openapi.json`);
    const paths = Object.keys(((await openapi.json()) as { paths: Record<string, unknown> }).paths);
    expect(paths).toContain('/post/feed');
    expect(paths.filter((p) => /^\/(signin|signup|people|chats|posts|me|web|assets)\b/.test(p))).toEqual([]);
  });

  it("opens the live socket only for a signed-in session from the app's own pages", async () => {
    const cookie = (await aliceContext.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect(await handshake({ cookie, origin: base })).toBe(101);
    expect(await handshake({ cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await handshake({ cookie })).toBe(403);
    expect(await handshake({ origin: base })).toBe(401);
  });

  it('is usable with the keyboard: skip link first, sign-in by typing and Enter', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/signin`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByLabel('Email or user id').focus();
    await page.keyboard.type(alicePerson.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(alicePerson.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Feed' }).waitFor();
    await context.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    await context.addCookies(await aliceContext.cookies());
    const page = await context.newPage();
    for (const path of ['/', `/chats/${bobId}`, '/people?first=%D0%91']) {
      await page.goto(`${base}${path}`);
      const width = await page.evaluate('document.documentElement.scrollWidth');
      expect(width, path).toBeLessThanOrEqual(375);
    }
    await page.goto(`${base}/`);
    await screenshot(page, 'feed-phone');
    await context.close();
  });

  it('changes the password with the current one: this browser stays in, another one of the user is out', async () => {
    const elsewhere = await browser.newContext();
    const page = await elsewhere.newPage();
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email or user id').fill(alicePerson.email);
    await page.getByLabel('Password').fill(alicePerson.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Feed' }).waitFor();

    await alice.goto(`${base}/me/edit`);
    await alice.getByLabel('New password').fill('alice-pass-2');
    await alice.getByLabel('Current password').fill('not-my-password');
    await alice.getByRole('button', { name: 'Save' }).click();
    expect(await alice.getByRole('alert').textContent()).toContain('current password is wrong');
    await alice.getByLabel('New password').fill('alice-pass-2');
    await alice.getByLabel('Current password').fill(alicePerson.password);
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.getByText('Your profile is saved.').waitFor();

    await page.goto(`${base}/friends`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await alice.goto(`${base}/friends`);
    expect(new URL(alice.url()).pathname).toBe('/friends');
    await elsewhere.close();
  });

  it('signs out everywhere from the profile editor', async () => {
    await alice.goto(`${base}/me/edit`);
    await alice.getByRole('button', { name: 'Sign out everywhere' }).click();
    await alice.getByText('You are signed out on every device.').waitFor();
    await alice.goto(`${base}/friends`);
    expect(new URL(alice.url()).pathname).toBe('/signin');
  });
});
