#!/usr/bin/env node
// What a shop's backend does with Persona when a page is requested:
//
//  1. asks for the page's recommendation blocks: a product page's two blocks
//     ("similar items", "complete the look") in one RecommendPage call with
//     the viewed product (and the cart) as context, the home page's "for you"
//     strip with one Recommend call; for the signed-in customer or the
//     anonymous session, under a tight deadline;
//  2. renders each block's items with their readable reasons;
//  3. tracks the page or product view and one impression per block (carrying the
//     block's recommendation_id) in one TrackEvents call, each event with a
//     client event id so a retried call never counts twice;
//  4. on the shopper's actions, a click on a recommended item
//     (RECOMMENDATION_CLICK with the block's recommendation_id) and an
//     add-to-cart.
//
// A failing Persona never breaks the page: errors are reported by gRPC status
// and the page is rendered without recommendations. Run `node storefront.mjs
// --help` for the options; examples/README.md walks through it.

import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPersonaClient, statusName, withRetry } from './persona_client.mjs';
import { renderPage, renderText } from './render.mjs';

const USAGE = `usage: node storefront.mjs [--product=ID] [options]
  --address=HOST:PORT   Persona's gRPC address (env PERSONA_ADDRESS, default 127.0.0.1:50051)
  --shop=NAME           the shop (default: the server's default shop)
  --customer=ID         the signed-in customer, or
  --session=ID          the anonymous session (default: a new random one)
  --product=ID          the product page being viewed (default: the home page)
  --cart=ID,ID          items already in the cart (page context)
  --locale=TAG          language of the reasons, e.g. de-DE
  --count=N             items in the first block (default 8)
  --click=ID|first      the shopper clicks this recommended item
  --add-to-cart         the shopper adds the viewed product to the cart (with --product)
  --deadline-ms=N       deadline of each call (env PERSONA_DEADLINE_MS, default 500)
  --format=html|text|json  what to print (default text)
Environment: PERSONA_API_KEY, PERSONA_TLS_CA, PERSONA_TLS, PERSONA_TLS_SERVER_NAME.`;

// The product page's blocks, best placed first (earlier blocks get first pick).
function placementsFor(count) {
  return [
    { placement: 'product', count, title: 'Similar items' },
    { placement: 'complete_the_look', count: 4, title: 'Complete the look' },
  ];
}

function newEventId(kind) {
  return `${kind}-${crypto.randomUUID()}`;
}

// The visitor fields every request and event carries.
function visitorOf(opts) {
  return { customer_id: opts.customer ?? '', session_id: opts.customer ? (opts.session ?? '') : opts.session };
}

// Asks for the home page's "for you" strip: one placement, one Recommend.
async function recommendHome(client, opts) {
  const request = {
    shop: opts.shop,
    ...visitorOf(opts),
    placement: 'home',
    count: opts.count,
    context_item_ids: opts.cart,
    locale: opts.locale,
  };
  const response = await withRetry(
    () => client.call('recommend', 'Recommend', request, opts.deadlineMs));
  return [{ ...response, title: 'Recommended for you' }];
}

// Asks for a product page's blocks in one RecommendPage call.
async function recommendProductPage(client, opts) {
  const blocks = placementsFor(opts.count);
  const request = {
    shop: opts.shop,
    ...visitorOf(opts),
    context_item_ids: [opts.product, ...opts.cart],
    placements: blocks.map(({ placement, count }) => ({ placement, count })),
    locale: opts.locale,
  };
  const response = await withRetry(
    () => client.call('recommend', 'RecommendPage', request, opts.deadlineMs));
  return response.placements.map((p, i) => ({ ...p, title: blocks[i].title }));
}

// Resolves to the page's blocks, or to [] (recording the error by its gRPC
// status) when Persona fails, so the page still renders.
async function recommend(client, opts, visit) {
  try {
    return opts.product ? await recommendProductPage(client, opts) : await recommendHome(client, opts);
  } catch (err) {
    const call = opts.product ? 'RecommendPage' : 'Recommend';
    visit.errors.push({ call, code: statusName(err), message: err.details });
    return [];
  }
}

// Sends events with client ids, retrying when the server was unreachable;
// records stored ids, and each rejected event with its reason.
async function track(client, opts, visit, events) {
  const request = { shop: opts.shop, events };
  try {
    const response = await withRetry(
      () => client.call('events', 'TrackEvents', request, opts.deadlineMs));
    const rejected = new Map(response.rejected.map((r) => [r.index, r]));
    events.forEach((event, i) => {
      const summary = {
        event_id: event.event_id,
        type: event.type,
        item_ids: event.items.map((it) => it.item_id),
        recommendation_id: event.recommendation_id ?? '',
      };
      if (rejected.has(i)) {
        visit.errors.push({ call: 'TrackEvents', code: 'REJECTED', message: `${rejected.get(i).field}: ${rejected.get(i).reason}` });
      } else {
        visit.tracked.push(summary);
      }
    });
  } catch (err) {
    visit.errors.push({ call: 'TrackEvents', code: statusName(err), message: err.details });
  }
}

function event(opts, type, itemIds, extra = {}) {
  return {
    event_id: newEventId(type.toLowerCase()),
    ...visitorOf(opts),
    type,
    items: itemIds.map((item_id) => ({ item_id, quantity: 1 })),
    channel: 'WEB',
    ...extra,
  };
}

// The shopper clicked `wanted` ("first" = the first item shown): a
// RECOMMENDATION_CLICK carrying the id of the block that showed it.
function clickEvent(opts, visit, wanted) {
  for (const block of visit.placements) {
    const item = wanted === 'first' ? block.items[0] : block.items.find((i) => i.item.id === wanted);
    if (item) {
      return event(opts, 'RECOMMENDATION_CLICK', [item.item.id], {
        recommendation_id: block.recommendation_id,
        properties: { placement: block.placement },
      });
    }
  }
  visit.errors.push({ call: 'click', code: 'NOT_SHOWN', message: `${wanted} was not recommended on this page` });
  return null;
}

// Serves one page view (the product page of opts.product, else the home
// page); resolves to what happened (never rejects on Persona errors: they
// are listed in `errors`).
export async function pageView(client, opts) {
  const visit = { visitor: visitorOf(opts), product: opts.product ?? '', placements: [], tracked: [], errors: [] };
  visit.placements = await recommend(client, opts, visit);
  const events = [opts.product
    ? event(opts, 'PRODUCT_VIEW', [opts.product])
    : event(opts, 'PAGE_VIEW', [], { properties: { page: 'home' } })];
  for (const block of visit.placements) {
    if (block.items.length === 0) continue;
    events.push(event(opts, 'RECOMMENDATION_IMPRESSION', block.items.map((i) => i.item.id), {
      recommendation_id: block.recommendation_id,
      properties: { placement: block.placement },
    }));
  }
  await track(client, opts, visit, events);
  const actions = [];
  if (opts.click) {
    const click = clickEvent(opts, visit, opts.click);
    if (click) actions.push(click);
  }
  if (opts.addToCart && opts.product) actions.push(event(opts, 'ADD_TO_CART', [opts.product]));
  if (actions.length > 0) await track(client, opts, visit, actions);
  return visit;
}

function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      address: { type: 'string' }, shop: { type: 'string' }, customer: { type: 'string' },
      session: { type: 'string' }, product: { type: 'string' }, cart: { type: 'string' },
      locale: { type: 'string' }, count: { type: 'string' }, click: { type: 'string' },
      'add-to-cart': { type: 'boolean' }, 'deadline-ms': { type: 'string' },
      format: { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) return { help: true };
  if (values['add-to-cart'] && !values.product) throw new Error('--add-to-cart needs --product');
  const format = values.format ?? 'text';
  if (!['html', 'text', 'json'].includes(format)) throw new Error(`--format: ${format}`);
  return {
    address: values.address ?? env.PERSONA_ADDRESS ?? '127.0.0.1:50051',
    shop: values.shop ?? '',
    customer: values.customer,
    session: values.customer ? values.session : (values.session ?? `s-${crypto.randomUUID()}`),
    product: values.product,
    cart: values.cart ? values.cart.split(',').filter(Boolean) : [],
    locale: values.locale ?? '',
    count: Number(values.count ?? 8),
    click: values.click,
    addToCart: values['add-to-cart'] ?? false,
    deadlineMs: Number(values['deadline-ms'] ?? env.PERSONA_DEADLINE_MS ?? 500),
    format,
  };
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`storefront: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const client = createPersonaClient(opts.address);
  try {
    const visit = await pageView(client, opts);
    for (const e of visit.errors) console.error(`storefront: ${e.call} failed: ${e.code}: ${e.message ?? ''}`);
    if (opts.format === 'json') console.log(JSON.stringify(visit, null, 2));
    else if (opts.format === 'html') console.log(renderPage(visit));
    else console.log(renderText(visit));
    return 0;
  } finally {
    client.close();
  }
}

// Runs only as a program; importing the module (pageView) does not.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
