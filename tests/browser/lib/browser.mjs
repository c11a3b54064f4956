// Launches Debian's Chromium (/usr/bin/chromium, or $PERSONA_CHROMIUM) headless
// through playwright-core, which never downloads a browser. The flags keep
// Chromium off the network it cannot reach on a build machine (background
// updates, sync, QUIC); playwright gives every launch a fresh temporary profile.
//
//   const {browser, page, close} = await launchBrowser();
//   await page.goto(url); await screenshot(page, 'home');
//   await close();
import path from 'node:path';
import {chromium} from 'playwright-core';
import {outputDir} from './server.mjs';

export async function launchBrowser(options = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.PERSONA_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({viewport: options.viewport || {width: 1280, height: 900}});
  const page = await context.newPage();
  // Uncaught page errors and console errors (tests check consoleErrors is
  // empty), and responses of 400 or more with their URLs (failedResponses;
  // the favicon browsers ask for on their own is left out).
  const consoleErrors = [];
  const failedResponses = [];
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      consoleErrors.push(m.text());
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) {
      failedResponses.push(`${r.status()} ${r.url()}`);
    }
  });
  async function close() {
    await browser.close();
  }
  return {browser, context, page, consoleErrors, failedResponses, close};
}

// Saves a full-page PNG of `page` as <output>/<name>.png and returns its path.
export async function screenshot(page, name) {
  const file = path.join(outputDir(), `${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  return file;
}
