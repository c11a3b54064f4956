// The browser tracker and widget (web/tracker/persona.js) in the sample shop
// (examples/shop), end to end: a real persona-server with the shop's origin in
// http.cors_origins and API keys on (the shop's public frontend key, an admin
// key for the checks), the shop's static pages on another origin from a tiny
// node file server, Debian's headless Chromium between them. Every check reads
// back through the API what the pages sent.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {launchBrowser, screenshot} from './lib/browser.mjs';
import {startServer} from './lib/server.mjs';

const SOURCE_DIR = process.env.PERSONA_SOURCE_DIR || path.resolve('../..');
const SHOP_DIR = path.join(SOURCE_DIR, 'examples/shop');
const SHOP = 'demo';
const FRONTEND_KEY = 'demo-frontend-key';  // the sample pages' public key
const ADMIN_KEY = `tracker-admin-${crypto.randomBytes(8).toString('hex')}`;
const CUSTOMER = 'c-tracker-1';
const EVIL_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

const TYPES = {'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
               '.json': 'application/json', '.svg': 'image/svg+xml'};

let shopServer;
let shopUrl;
let server;
let browser;
let session = '';
let homeRecommendationId = '';
let clickedItem = '';

// Serves examples/shop as a static site; pages point at the real server
// instead of the documented http://localhost:8080.
function startShopServer() {
  const httpServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://shop');
    const file = path.join(SHOP_DIR, path.normalize(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!file.startsWith(SHOP_DIR) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    let body = fs.readFileSync(file);
    if (file.endsWith('.html')) body = body.toString('utf8').replaceAll('http://localhost:8080', server.httpUrl);
    res.writeHead(200, {'content-type': TYPES[path.extname(file)] || 'application/octet-stream'});
    res.end(body);
  });
  return new Promise((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve(httpServer)));
}

function sha256(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

// Polls `read` until `check` holds for its result (the tracker batches and
// the server answers asynchronously); fails with the last result.
async function eventually(read, check, what) {
  const deadline = Date.now() + 15000;
  let last;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) assert.fail(`${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function profileOf(ids) {
  return server.call('CustomerService', 'GetProfile', {shop: SHOP, recent_events: 200, ...ids});
}

function eventsOf(profile) {
  return (profile.recent_events || []).map((e) => e.event);
}

function find(profile, type, predicate = () => true) {
  return eventsOf(profile).filter((e) => e.type === type && predicate(e));
}

async function waitForBlock(page, id) {
  await page.waitForSelector(`#${id}[data-persona-state="rendered"]`, {state: 'attached'});
}

before(async () => {
  shopServer = await startShopServer();
  shopUrl = `http://127.0.0.1:${shopServer.address().port}`;
  server = await startServer({
    name: 'tracker',
    apiKey: ADMIN_KEY,
    config: `
      http { cors_origins: "${shopUrl}" }
      security {
        api_keys { id: "shop-frontend" sha256: "${sha256(FRONTEND_KEY)}" role: FRONTEND shops: "${SHOP}" }
        api_keys { id: "test-admin" sha256: "${sha256(ADMIN_KEY)}" role: ADMIN shops: "*" }
      }`,
  });
  const catalog = JSON.parse(fs.readFileSync(path.join(SHOP_DIR, 'catalog.json'), 'utf8'));
  const upserted = await server.call('CatalogService', 'UpsertItems', {shop: SHOP, ...catalog});
  assert.equal(Number(upserted.accepted), catalog.items.length, JSON.stringify(upserted));
  // Other customers' orders, so there is something popular to recommend.
  const events = [];
  catalog.items.forEach((item, i) => {
    for (let c = 0; c <= i % 3; c++) {
      events.push({customer_id: `seed-${c}`, type: 'PURCHASE', order_id: `seed-${i}-${c}`,
                   items: [{item_id: item.id, quantity: 1, price: item.price}]});
    }
  });
  await server.call('EventService', 'TrackEvents', {shop: SHOP, events});
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (shopServer) shopServer.close();
});

test('GET /persona.js is served as cacheable JavaScript, and the shop key is frontend-only', async () => {
  const response = await fetch(`${server.httpUrl}/persona.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/javascript/);
  assert.match(response.headers.get('cache-control'), /max-age=\d+/);
  assert.match(await response.text(), /window\.persona = api/);
  // The key in the page may track and recommend, nothing else.
  await assert.rejects(server.call('CustomerService', 'GetProfile', {shop: SHOP, customer_id: 'seed-0'},
                                   {apiKey: FRONTEND_KEY}), (e) => e.status === 403);
});

test('the widget renders the server\'s recommendations with reasons through the shop\'s template', async () => {
  const {page} = browser;
  const answered = page.waitForResponse((r) =>
    r.url().endsWith('.RecommendService/RecommendPage') && r.request().method() === 'POST');
  await page.goto(`${shopUrl}/index.html`);
  const response = await (await answered).json();
  await waitForBlock(page, 'home-recs');
  session = await page.evaluate(() => window.persona.sessionId());
  assert.match(session, /^s_[0-9a-f]{32}$/);
  const cookies = await browser.context.cookies(shopUrl);
  assert.equal(cookies.find((c) => c.name === 'persona_sid')?.value, session);

  const answer = response.placements[0];
  assert.ok(answer.items.length > 0 && answer.items.length <= 4, JSON.stringify(answer));
  const cards = await page.$$eval('#home-recs a.card[data-persona-rendered]', (nodes) => nodes.map((n) => ({
    item: n.getAttribute('data-persona-item'),
    href: n.href,
    image: n.querySelector('img').src,
    title: n.querySelector('.title').textContent,
    price: n.querySelector('.price').textContent,
    reason: n.querySelector('.reason').textContent,
  })));
  assert.deepEqual(cards.map((c) => c.item), answer.items.map((r) => r.item.id));
  cards.forEach((card, i) => {
    const expected = answer.items[i];
    assert.equal(card.title, expected.item.title);
    assert.ok(expected.reason, `the server gave a reason for ${card.item}`);
    assert.equal(card.reason, expected.reason);
    assert.equal(card.href, new URL(expected.item.url, `${shopUrl}/`).href);
    assert.equal(card.image, new URL(expected.item.image_url, `${shopUrl}/`).href);
    assert.match(card.price, /£\d+\.\d\d/);
  });
  homeRecommendationId = await page.getAttribute('#home-recs', 'data-persona-recommendation-id');
  assert.equal(homeRecommendationId, answer.recommendation_id);
  await screenshot(page, 'tracker-home');
});

test('page views arrive with the session id, and a click is tied to the recommendation id', async () => {
  const {page} = browser;
  const card = page.locator('#home-recs a.card[data-persona-rendered]').first();
  await card.scrollIntoViewIfNeeded();
  clickedItem = await card.getAttribute('data-persona-item');
  await Promise.all([page.waitForURL(/product\.html\?id=/), card.click()]);
  await waitForBlock(page, 'product-recs');
  assert.equal(await page.evaluate(() => window.persona.sessionId()), session, 'same session on the next page');
  await screenshot(page, 'tracker-product');

  const profile = await eventually(() => profileOf({session_id: session}), (p) =>
    find(p, 'RECOMMENDATION_CLICK').length === 1 && find(p, 'PRODUCT_VIEW').length === 1 &&
    find(p, 'RECOMMENDATION_IMPRESSION').length >= 1 && find(p, 'PAGE_VIEW').length === 2,
  'a click, an impression, a product view and two page views');
  for (const e of eventsOf(profile)) {
    assert.equal(e.session_id, session);
    assert.equal(e.channel, 'WEB');
    assert.match(e.event_id, /^e_[0-9a-f]{24}$/);
  }
  const [click] = find(profile, 'RECOMMENDATION_CLICK');
  assert.equal(click.recommendation_id, homeRecommendationId);
  assert.deepEqual(click.items.map((i) => i.item_id), [clickedItem]);
  assert.equal(click.properties.placement, 'home');
  const [impression] = find(profile, 'RECOMMENDATION_IMPRESSION', (e) => e.recommendation_id === homeRecommendationId);
  assert.ok(impression, 'the home block was seen');
  const [view] = find(profile, 'PRODUCT_VIEW');
  assert.deepEqual(view.items.map((i) => i.item_id), [clickedItem]);
  assert.equal(view.recommendation_id, homeRecommendationId, 'the product view is attributed');
  const paths = find(profile, 'PAGE_VIEW').map((e) => e.properties.path).sort();
  assert.deepEqual(paths, ['/index.html', `/product.html?id=${clickedItem}`]);
  // The product page does not recommend its own product.
  const shown = await page.$$eval('#product-recs [data-persona-item]', (n) => n.map((e) => e.dataset.personaItem));
  assert.ok(shown.length > 0 && !shown.includes(clickedItem), JSON.stringify(shown));
});

test('add and remove to cart arrive, and the cart block leaves out what is in the cart', async () => {
  const {page} = browser;
  await page.click('#add-to-cart');
  await page.goto(`${shopUrl}/product.html?id=mug-stone`);
  await page.waitForSelector('body[data-ready] #add-to-cart:not([disabled])');
  await page.click('#add-to-cart');
  await page.goto(`${shopUrl}/cart.html`);
  await waitForBlock(page, 'cart-recs');
  const shown = await page.$$eval('#cart-recs [data-persona-item]', (n) => n.map((e) => e.dataset.personaItem));
  assert.ok(shown.length > 0, 'the cart block rendered');
  assert.ok(!shown.includes(clickedItem) && !shown.includes('mug-stone'), JSON.stringify(shown));
  await page.waitForSelector('body[data-ready] .line');
  await page.click('.line:has-text("Stoneware mug") button.remove');
  await screenshot(page, 'tracker-cart');

  const profile = await eventually(() => profileOf({session_id: session}), (p) =>
    find(p, 'ADD_TO_CART').length === 2 && find(p, 'REMOVE_FROM_CART').length === 1,
  'two add-to-carts and one remove');
  const added = find(profile, 'ADD_TO_CART');
  const fromRecommendation = added.find((e) => e.items[0].item_id === clickedItem);
  assert.ok(fromRecommendation, JSON.stringify(added));
  assert.equal(fromRecommendation.recommendation_id, homeRecommendationId, 'attributed add-to-cart');
  const mug = added.find((e) => e.items[0].item_id === 'mug-stone');
  assert.equal(mug.items[0].price, 12);
  assert.equal(mug.recommendation_id ?? '', '', 'not attributed: it was not recommended');
  const [removed] = find(profile, 'REMOVE_FROM_CART');
  assert.equal(removed.items[0].item_id, 'mug-stone');

  const metrics = await server.call('MetricsService', 'GetPlacementMetrics', {shop: SHOP, placement: 'home'});
  const totals = metrics.placements[0].variants[0].totals;
  assert.equal(Number(totals.clicks), 1, JSON.stringify(totals));
  assert.equal(Number(totals.add_to_carts), 1, JSON.stringify(totals));
  assert.ok(Number(totals.list_impressions) >= 1, JSON.stringify(totals));
});

test('a retried batch is stored once', async () => {
  const {page} = browser;
  const attempts = [];
  await page.route(`${server.httpUrl}/api/persona.v1.EventService/TrackEvents`, async (route) => {
    const sent = route.request().postDataJSON();
    const response = await route.fetch();  // the server stores the batch...
    attempts.push({ids: sent.events.map((e) => e.event_id), answer: await response.json()});
    if (attempts.length === 1) await route.abort('failed');  // ...but the page never hears back
    else await route.fulfill({response});
  });
  const query = `teapot ${Date.now()}`;
  await page.evaluate((q) => window.persona.track('SEARCH', {properties: {query: q}}), query);
  await eventually(async () => attempts.length, (n) => n >= 2, 'the tracker retried');
  await page.unroute(`${server.httpUrl}/api/persona.v1.EventService/TrackEvents`);
  assert.deepEqual(attempts[1].ids, attempts[0].ids, 'the retry sends the same event ids');
  assert.equal(Number(attempts[1].answer.duplicates), attempts[0].ids.length, JSON.stringify(attempts));
  const profile = await profileOf({session_id: session});
  assert.equal(find(profile, 'SEARCH', (e) => e.properties.query === query).length, 1);
  assert.equal(Number(profile.stats.event_counts.SEARCH), 1);
});

test('events a page could not confirm are sent again by the next page, and stored once', async () => {
  const {page, context} = browser;
  const trackUrl = `${server.httpUrl}/api/persona.v1.EventService/TrackEvents`;
  const idsOf = (request) => request.postDataJSON().events.map((e) => e.event_id);
  const failed = [];
  const onFailed = (request) => { if (request.url() === trackUrl) failed.push(...idsOf(request)); };
  page.on('requestfailed', onFailed);
  await context.setOffline(true);
  const query = `offline ${Date.now()}`;
  const eventId = await page.evaluate((q) => window.persona.track('SEARCH', {properties: {query: q}}), query);
  await eventually(async () => failed, (ids) => ids.includes(eventId), 'the page tried to send it');
  page.off('requestfailed', onFailed);
  await context.setOffline(false);
  const sentByNextPage = [];
  const onRequest = (request) => {
    if (request.url() === trackUrl && request.method() === 'POST') sentByNextPage.push(...idsOf(request));
  };
  page.on('request', onRequest);
  await page.goto(`${shopUrl}/cart.html`);
  const profile = await eventually(() => profileOf({session_id: session}), (p) =>
    find(p, 'SEARCH', (e) => e.properties.query === query).length > 0 && sentByNextPage.includes(eventId),
  'the next page sent it again from the queue kept in localStorage');
  page.off('request', onRequest);
  const stored = find(profile, 'SEARCH', (e) => e.properties.query === query);
  assert.equal(stored.length, 1, JSON.stringify(stored));
  assert.equal(stored[0].event_id, eventId);
  await page.waitForSelector('body[data-ready] .line');
});

test('identify merges the session into the customer, and the purchase is theirs', async () => {
  const {page} = browser;
  await page.fill('#customer', CUSTOMER);
  await page.click('#sign-in button');
  await page.click('#checkout');
  await page.waitForSelector('#message:has-text("Thank you")');
  await page.evaluate(() => window.persona.flush());
  const profile = await eventually(() => profileOf({customer_id: CUSTOMER}), (p) =>
    find(p, 'PURCHASE').length === 1, 'the customer\'s purchase');
  assert.ok((profile.stats.merged_sessions || []).includes(session), JSON.stringify(profile.stats));
  // The anonymous history is the customer's now.
  assert.equal(find(profile, 'PRODUCT_VIEW', (e) => e.items[0].item_id === clickedItem).length, 1);
  assert.equal(find(profile, 'RECOMMENDATION_CLICK').length, 1);
  const [login] = find(profile, 'PAGE_VIEW', (e) => e.properties?.action === 'identify');
  assert.equal(login.customer_id, CUSTOMER);
  assert.equal(login.session_id, session);
  const [purchase] = find(profile, 'PURCHASE');
  assert.equal(purchase.customer_id, CUSTOMER);
  assert.deepEqual(purchase.items.map((i) => i.item_id), [clickedItem]);
  assert.equal(purchase.recommendation_id, homeRecommendationId, 'attributed purchase');
  assert.equal(await page.evaluate(() => window.persona.customerId()), CUSTOMER);
});

test('catalog text is shown as text, never run as markup', async () => {
  const {page, consoleErrors, failedResponses} = browser;
  await server.call('CatalogService', 'UpsertItems', {shop: SHOP, items: [{
    id: 'evil', title: EVIL_TITLE, price: 1, currency: 'GBP',
    url: 'javascript:window.__pwned = 3', image_url: 'javascript:window.__pwned = 4',
  }]});
  await page.goto(`${shopUrl}/index.html`);
  // A block of the shop's own, pinning the item so it is certainly shown.
  await page.evaluate(() => {
    const block = document.querySelector('#home-recs').cloneNode(true);
    block.id = 'pinned-recs';
    block.setAttribute('data-persona-placement', 'pinned');
    block.setAttribute('data-persona-rules', 'pin ["evil"]');
    block.querySelector('[data-persona-items]').textContent = '';
    document.querySelector('main').prepend(block);
    return window.persona.render(block);
  });
  await waitForBlock(page, 'pinned-recs');
  const card = page.locator('#pinned-recs [data-persona-item="evil"]');
  assert.equal(await card.locator('.title').textContent(), EVIL_TITLE);
  assert.equal(await page.locator('#pinned-recs script').count(), 0);
  assert.equal(await card.locator('img').count(), 1, 'only the template\'s own image');
  assert.equal(await card.getAttribute('href'), null, 'a javascript: URL is not linked');
  assert.equal(await card.locator('img').getAttribute('src'), null);
  await card.click();
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await screenshot(page, 'tracker-escaped');
  // Over the whole visit: no script error, no API call refused.
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedResponses, []);
});

test('after optOut nothing is tracked and no id leaves the browser, also on the next page', async () => {
  const {page, context} = browser;
  const sessionCookie = async () => (await context.cookies(shopUrl)).find((c) => c.name === 'persona_sid');
  assert.ok(await sessionCookie());
  await page.evaluate(() => window.persona.optOut());
  assert.equal(await page.evaluate(() => window.persona.sessionId()), '');
  assert.equal(await page.evaluate(() => window.persona.customerId()), '');
  assert.equal(await sessionCookie(), undefined);

  const asked = page.waitForRequest((r) =>
    r.url().endsWith('.RecommendService/RecommendPage') && r.method() === 'POST');
  await page.goto(`${shopUrl}/index.html`);
  const request = (await asked).postDataJSON();
  assert.equal(request.session_id, undefined, JSON.stringify(request));
  assert.equal(request.customer_id, undefined, JSON.stringify(request));
  await waitForBlock(page, 'home-recs');  // recommendations still, not personalized
  assert.equal(await page.evaluate(() => window.persona.track('SEARCH', {properties: {query: 'q'}})), '');
  const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('persona_')));
  assert.deepEqual(kept, ['persona_optout']);
  assert.equal(await sessionCookie(), undefined);

  await page.evaluate(() => window.persona.optIn());
  const fresh = await page.evaluate(() => window.persona.sessionId());
  assert.match(fresh, /^s_[0-9a-f]{32}$/);
  assert.notEqual(fresh, session);
  assert.equal((await sessionCookie())?.value, fresh);
});
