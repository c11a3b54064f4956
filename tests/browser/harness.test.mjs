// The harness itself: a real server starts on free ports, its HTTP/JSON API
// answers, and Debian's Chromium (through playwright-core) loads a page the
// server serves and runs script against the API from that page.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {launchBrowser, screenshot} from './lib/browser.mjs';
import {startServer} from './lib/server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({name: 'harness'});
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('the API answers and remembers what was tracked', async () => {
  await server.call('EventService', 'TrackEvents', {
    events: [{eventId: 'h-1', customerId: 'harness-c', type: 'PRODUCT_VIEW',
              items: [{itemId: 'harness-i'}]}],
  });
  const profile = await server.call('CustomerService', 'GetProfile', {customerId: 'harness-c'});
  assert.equal(profile.recent_events?.[0]?.event?.event_id, 'h-1', JSON.stringify(profile));
});

test('a failing call carries the HTTP status', async () => {
  await assert.rejects(server.call('CustomerService', 'GetProfile', {customerId: ''}),
                       (e) => e.status === 400);
});

test('chromium loads a server page and calls the API from it', async () => {
  const {page, consoleErrors} = browser;
  await page.goto(`${server.httpUrl}/api/openapi.json`);
  const title = await page.evaluate(async () => {
    const doc = JSON.parse(document.body.innerText);
    return doc.info.title;
  });
  assert.match(title, /Persona/);
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/persona.v1.AdminService/ListShops', {
      method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'});
    return r.status;
  });
  assert.equal(status, 200);
  await screenshot(page, 'harness-openapi');
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});
