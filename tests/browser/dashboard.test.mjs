// The admin dashboard (/admin/) in headless Chromium against a real server
// holding a small shop loaded through the HTTP/JSON API: 40 items, 60
// customers with purchases and views, a tracked customer, an experiment on
// "home" with recommendations shown, clicked and bought per variant, a
// segment pass and a trained model. Each view must show what the API says,
// with no console or CSP error; a screenshot of each view goes to the test
// output directory. Then the same page against a server with API keys.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {launchBrowser, screenshot} from './lib/browser.mjs';
import {startServer} from './lib/server.mjs';

const EXPERIMENT = `
placements {
  name: "home"
  description: "Home page: collaborative filtering against trending"
  strategy { recommender: "als" }
  variants { name: "cf" share: 0.5 strategy { recommender: "als" } }
  variants { name: "trend" share: 0.5 strategy { recommender: "trending" } }
}
`;
const CATEGORIES = [['Home', 'Lighting'], ['Home', 'Textiles'], ['Kitchen'], ['Garden']];
const BRANDS = ['Lumen', 'Weaver', 'Potter', 'Greenly'];
const NOUNS = ['lamp', 'rug', 'mug', 'planter'];

let server;
let browser;
let trained;

function items() {
  const out = [];
  for (let i = 0; i < 40; ++i) {
    const k = i % 4;
    out.push({id: `sku-${String(i).padStart(2, '0')}`, title: `${BRANDS[k]} ${NOUNS[k]} ${i}`,
              brand: BRANDS[k], category_path: CATEGORIES[k], price: 10 + i, currency: 'GBP'});
  }
  return out;
}

// Customers of four tastes buy and view items of their category.
function behaviour() {
  const events = [];
  for (let c = 0; c < 60; ++c) {
    const k = c % 4;
    const customer = `cust-${c}`;
    for (let n = 0; n < 3; ++n) {
      const item = `sku-${String(k + 4 * ((c + n * 3) % 10)).padStart(2, '0')}`;
      events.push({customer_id: customer, type: 'PRODUCT_VIEW', items: [{item_id: item}]});
      events.push({customer_id: customer, type: 'PURCHASE', order_id: `o-${c}-${n}`, value: 20,
                   items: [{item_id: item, quantity: 1, price: 20}]});
    }
  }
  return events;
}

// Recommendations on "home" forced to each variant, shown, some clicked and
// bought, so both variants have figures today.
async function runExperiment() {
  for (let c = 0; c < 24; ++c) {
    const variant = c % 2 === 0 ? 'cf' : 'trend';
    const customer = `cust-${c}`;
    const answer = await server.call('RecommendService', 'Recommend',
                                     {customer_id: customer, placement: 'home', count: 4, variant});
    assert.equal(answer.variant, variant);
    const shown = answer.items.map((r) => ({item_id: r.item.id}));
    const rid = answer.recommendation_id;
    const events = [{customer_id: customer, type: 'RECOMMENDATION_IMPRESSION', recommendation_id: rid,
                     items: shown}];
    if (variant === 'cf' || c % 3 === 1) {  // the variants differ in click-through
      events.push({customer_id: customer, type: 'RECOMMENDATION_CLICK', recommendation_id: rid,
                   items: [shown[0]]});
    }
    if (c % 4 === 0) {
      events.push({customer_id: customer, type: 'PURCHASE', recommendation_id: rid,
                   order_id: `exp-${c}`, value: 30, items: [{...shown[0], quantity: 1, price: 30}]});
    }
    await server.call('EventService', 'TrackEvents', {events});
  }
}

before(async () => {
  server = await startServer({name: 'dashboard', config: EXPERIMENT});
  await server.call('CatalogService', 'UpsertItems', {items: items()});
  const customers = [];
  for (let c = 0; c < 60; ++c) {
    customers.push({id: `cust-${c}`, first_name: `Name${c}`, email: `c${c}@example.com`,
                    country: 'GB', consents: {email_marketing: c % 2 === 0}});
  }
  customers.push({id: 'alice', first_name: 'Alice', last_name: 'Example', email: 'alice@example.com',
                  locale: 'en-GB', country: 'GB',
                  consents: {personalization: true, email_marketing: false}});
  await server.call('CustomerService', 'UpsertCustomers', {customers});
  const all = behaviour();
  for (let i = 0; i < all.length; i += 500) {
    await server.call('EventService', 'TrackEvents', {events: all.slice(i, i + 500)});
  }
  trained = await server.call('AdminService', 'TrainModel', {});
  await server.call('EventService', 'TrackEvents', {events: [
    {customer_id: 'alice', type: 'PRODUCT_VIEW', items: [{item_id: 'sku-00'}]},
    {customer_id: 'alice', type: 'ADD_TO_CART', items: [{item_id: 'sku-04', quantity: 1, price: 14}]},
    {customer_id: 'alice', type: 'PURCHASE', order_id: 'alice-1', value: 14,
     items: [{item_id: 'sku-04', quantity: 1, price: 14}]},
  ]});
  await runExperiment();
  await server.call('CatalogService', 'UpsertItems', {shop: 'outlet', items: [
    {id: 'out-1', title: 'Outlet lamp', price: 5}, {id: 'out-2', title: 'Outlet rug', price: 7}]});
  await server.call('SegmentService', 'RefreshSegments', {});
  browser = await launchBrowser({viewport: {width: 1400, height: 1000}});
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function openView(view, param = '') {
  const {page} = browser;
  await page.goto(`${server.httpUrl}/admin/#${view}${param ? `/${param}` : ''}`);
  await page.waitForSelector(`#view[data-view="${view}"]`);
}

test('/admin redirects to the page, which opens on customer lookup', async () => {
  const response = await fetch(`${server.httpUrl}/admin`, {redirect: 'manual'});
  assert.equal(response.status, 302);
  assert.equal(response.headers.get('location'), '/admin/');
  const {page} = browser;
  await page.goto(`${server.httpUrl}/admin`);
  await page.waitForSelector('#view[data-view="customer"] [data-test="customer-id"]');
  assert.equal(await page.title(), 'Persona admin');
});

test('customer lookup shows profile, consents, segments, recent events and live recommendations with reasons', async () => {
  const {page} = browser;
  await openView('customer');
  await page.fill('[data-test="customer-id"]', 'alice');
  await page.click('#view button[type="submit"]');
  await page.waitForSelector('[data-test="events"]');
  const events = await page.textContent('[data-test="events"]');
  for (const type of ['PURCHASE', 'ADD_TO_CART', 'PRODUCT_VIEW']) assert.match(events, new RegExp(type));
  assert.match(events, /sku-04/);
  const profile = await page.textContent('[data-test="profile"]');
  assert.match(profile, /alice@example\.com/);
  assert.match(profile, /Alice Example/);
  const consents = await page.textContent('[data-test="consents"]');
  assert.match(consents, /Personalization\s*given/);
  assert.match(consents, /Email marketing\s*withdrawn/);
  const segments = await page.textContent('[data-test="segments"]');
  const api = await server.call('SegmentService', 'GetCustomerSegments', {customer_id: 'alice'});
  assert.ok(api.segments.length > 0);
  for (const s of api.segments) assert.ok(segments.includes(s), `${s} in ${segments}`);
  // Every web placement answers; "home" with a variant and reasons on every item.
  const placements = await page.$$eval('[data-test="recommendations"] section.recs',
                                       (cards) => cards.map((c) => c.dataset.placement));
  for (const name of ['home', 'product', 'cart', 'trending']) assert.ok(placements.includes(name), name);
  assert.ok(!placements.some((p) => p.startsWith('email_')));
  const reasons = await page.$$eval('section.recs[data-placement="home"] li.rec .reason',
                                    (spans) => spans.map((s) => s.textContent.trim()));
  assert.ok(reasons.length > 0);
  for (const r of reasons) assert.notEqual(r, '');
  assert.match(await page.textContent('section.recs[data-placement="home"] h3'), /variant (cf|trend)/);
  await screenshot(page, 'dashboard-customer');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

test('catalog search finds items by word, brand and category, a page at a time', async () => {
  const {page} = browser;
  await openView('catalog');
  await page.fill('[data-test="query"]', 'lumen lamp');
  await page.click('#view button[type="submit"]');
  await page.waitForSelector('[data-test="items"]');
  const ids = await page.$$eval('[data-test="items"] tbody tr td:first-child',
                                (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(ids, ['sku-00', 'sku-04', 'sku-08', 'sku-12', 'sku-16', 'sku-20', 'sku-24',
                         'sku-28', 'sku-32', 'sku-36']);
  assert.match(await page.textContent('[data-test="total"]'), /^10 matching items/);
  // Everything: 40 items over two pages of 20.
  await page.fill('[data-test="query"]', '');
  await page.click('#view button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-test="total"]')?.textContent.startsWith('40 '));
  await page.click('[data-test="next"]');
  await page.waitForFunction(() => /21-40/.test(document.querySelector('[data-test="total"]')?.textContent));
  assert.equal(await page.textContent('[data-test="items"] tbody tr:first-child td:first-child'), 'sku-20');
  await page.fill('[data-test="query"]', 'mug');
  await page.click('#view button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('[data-test="total"]')?.textContent.startsWith('10 '));
  await screenshot(page, 'dashboard-catalog');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

test('the experiment on "home" has a click-through, conversion and revenue chart with a line per variant', async () => {
  const {page} = browser;
  await openView('placements');
  await page.waitForSelector('section[data-placement="home"] svg.chart');
  const charts = await page.$$eval('section[data-placement="home"] figure.chart-box', (figs) =>
    figs.map((f) => ({title: f.dataset.chart,
                      series: [...f.querySelectorAll('path.series')].map((p) => p.dataset.series),
                      points: f.querySelectorAll('circle.point').length})));
  assert.deepEqual(charts.map((c) => c.title), ['home: click-through rate', 'home: conversion rate',
                                               'home: revenue']);
  for (const c of charts) {
    assert.deepEqual(c.series, ['cf', 'trend'], c.title);
    assert.equal(c.points, 2, c.title);  // one day, one point per variant
  }
  // The totals table agrees with the API.
  const report = await server.call('MetricsService', 'GetPlacementMetrics', {placement: 'home'});
  const home = report.placements[0];
  const totals = await page.textContent('section[data-placement="home"] [data-test="totals"]');
  for (const v of home.variants) {
    assert.ok(Number(v.totals.impressions) > 0);
    assert.match(totals, new RegExp(`${v.variant}\\s*${Number(v.totals.impressions)}\\s*` +
                                    `${Number(v.totals.clicks ?? 0)}`));
  }
  assert.match(await page.textContent('[data-test="quiet-placements"]'), /cart/);
  await screenshot(page, 'dashboard-placements');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

test('segments show the sizes of the last pass and a chart of sizes per day', async () => {
  const {page} = browser;
  await openView('segments');
  await page.waitForSelector('[data-test="segments"]');
  const listed = await server.call('SegmentService', 'ListSegments', {});
  const sized = listed.segments.filter((s) => Number(s.size ?? 0) > 0);
  assert.ok(sized.length > 0);
  // Every segment, also those of size 0 (which the JSON mapping leaves out).
  assert.ok(listed.segments.some((s) => s.size === undefined));
  for (const s of listed.segments) {
    const shown = await page.textContent(`[data-segment-size="${s.name}"]`);
    const want = Number(s.size ?? 0) < 0 ? 'not computed' : String(Number(s.size ?? 0));
    assert.equal(shown.replace(/,/g, ''), want, s.name);
  }
  await page.waitForSelector('figure.chart-box svg path.series', {state: 'attached'});
  const series = await page.$$eval('figure.chart-box path.series', (paths) => paths.length);
  assert.equal(series, Math.min(6, sized.length));
  await screenshot(page, 'dashboard-segments');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

test('the model view shows the serving version, training time, evaluation and ingest', async () => {
  const {page} = browser;
  await openView('model');
  await page.waitForSelector('[data-test="model-version"]');
  assert.equal(await page.textContent('[data-test="model-version"]'), trained.version);
  const evaluation = await page.textContent('[data-test="evaluation"]');
  assert.match(evaluation, new RegExp(`interactions\\s*${Number(trained.interactions)}(?!\\d)`));
  assert.match(evaluation, /users/);
  assert.match(await page.textContent('[data-test="ingest"]'), /events\/s/);
  const stats = await page.textContent('[data-test="stats"]');
  assert.match(stats, /40 \(40 recommendable\)/);
  await screenshot(page, 'dashboard-model');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

test('the shop selector lists the shops and switches every call to the chosen one', async () => {
  const {page} = browser;
  await openView('catalog');
  const shops = await page.$$eval('[data-test="shop"] option', (options) => options.map((o) => o.value));
  assert.deepEqual(shops, ['', 'default', 'outlet']);
  await page.selectOption('[data-test="shop"]', 'outlet');
  await page.fill('[data-test="query"]', 'outlet');
  await page.click('#view button[type="submit"]');
  await page.waitForSelector('[data-test="items"]');
  const ids = await page.$$eval('[data-test="items"] tbody tr td:first-child',
                                (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(ids, ['out-1', 'out-2']);
  // Kept for the tab's later pages; back to the default shop for the other tests.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('persona.dashboard.shop')), 'outlet');
  await page.selectOption('[data-test="shop"]', '');
  assert.deepEqual(browser.consoleErrors, []);
  assert.deepEqual(browser.failedResponses, []);
});

// SHA-256 of the secrets below, as the config wants them.
const ADMIN_KEY = 'dash-admin';
const MARKETING_KEY = 'dash-marketing';
const KEYS = `
security {
  api_keys { id: "admin" sha256: "d285654f27dcceb6b89805b82846da0b61c3e304f619c9aca289eb7c401f58da" role: ADMIN shops: "*" }
  api_keys { id: "mkt" sha256: "9bbe82b53a02c054eac80031e1614ece63826a4121d87368d0d20560ad1bc147" role: MARKETING shops: "*" }
}
`;

test('with authentication on, the page asks for a key and works with a marketing one', async () => {
  const secured = await startServer({name: 'dashboard-auth', config: KEYS + EXPERIMENT, apiKey: ADMIN_KEY});
  const {context} = browser;
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await secured.call('CatalogService', 'UpsertItems', {items: items()});
    await secured.call('EventService', 'TrackEvents', {events: [
      {customer_id: 'bob', type: 'PRODUCT_VIEW', items: [{item_id: 'sku-01'}]}]});
    await page.goto(`${secured.httpUrl}/admin/#customer`);
    await page.fill('[data-test="customer-id"]', 'bob');
    await page.click('#view button[type="submit"]');
    await page.waitForSelector('#banner .error');
    assert.match(await page.textContent('#banner'), /UNAUTHENTICATED/);
    await page.fill('[data-test="api-key"]', MARKETING_KEY);
    await page.click('#key-form button[type="submit"]');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('persona.dashboard.apiKey')),
                 MARKETING_KEY);
    // A marketing key may not list shops: the shop becomes a text field.
    await page.waitForSelector('#shop-typed:not([hidden])');
    await page.fill('[data-test="customer-id"]', 'bob');
    await page.click('#view button[type="submit"]');
    await page.waitForSelector('[data-test="events"]');
    assert.match(await page.textContent('[data-test="events"]'), /sku-01/);
    assert.equal(await page.$('#banner .error'), null);
    await screenshot(page, 'dashboard-auth');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await secured.stop();
  }
});
