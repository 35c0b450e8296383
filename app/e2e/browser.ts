import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** test-results/ is gitignored; docs/screenshots/ holds the copies the README shows. */
export const screenshotDir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
}

export interface Person {
  first: string;
  last: string;
  email: string;
  password: string;
}

/** Signs up through the form, by its labels, and returns the new user's id from the welcome message. */
export async function signUp(page: Page, base: string, person: Person): Promise<string> {
  await page.goto(`${base}/signup`);
  await page.getByLabel('First name').fill(person.first);
  await page.getByLabel('Last name').fill(person.last);
  await page.getByLabel('Date of birth').fill('1992-03-04');
  await page.getByLabel('City (optional)').fill('Москва');
  await page.getByLabel('Email (optional)').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  const flash = page.locator('.flash');
  await flash.waitFor();
  const id = /user id is (\d+)/.exec((await flash.textContent()) ?? '')?.[1];
  if (!id) throw new Error(`no user id in the welcome message: ${await flash.textContent()}`);
  return id;
}
