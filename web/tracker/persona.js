/*
 * Persona browser tracker and recommendations widget.
 *
 * Served by persona-server at GET /persona.js; no dependencies, no build step.
 * docs/TRACKER.md is the guide. In short:
 *
 *   <script src="https://persona.example/persona.js" async
 *           data-api-key="pk_frontend_..." data-shop="my-shop"></script>
 *
 * or, without the data- attributes, persona.init({endpoint, apiKey, shop}).
 * The API key must be a FRONTEND-role key: it is public (anyone can read it
 * in the page), and that role may only track events and ask for
 * recommendations.
 *
 * What it does:
 *  - keeps an anonymous session id in a first-party cookie (persona_sid,
 *    30 days, renewed on every page) or, with {storage: 'localStorage'}, in
 *    localStorage;
 *  - tracks a page view per page, a product view for [data-persona-product],
 *    add/remove-to-cart clicks on [data-persona-add-to-cart] /
 *    [data-persona-remove-from-cart], and what the page reports with
 *    persona.productView / addToCart / removeFromCart / purchase;
 *  - sends events in batches to EventService/TrackEvents, each with its own
 *    event_id, so a retried batch is never counted twice; unsent events are
 *    kept in localStorage and the rest goes out with fetch keepalive when the
 *    page is hidden;
 *  - persona.identify(customerId) tells the server who logged in, which merges
 *    the anonymous session's history into the customer;
 *  - fills every [data-persona-placement] element with recommendations from
 *    RecommendService/RecommendPage through the shop's own <template>, only
 *    ever with textContent and checked attributes (never innerHTML of data),
 *    and reports impressions and clicks with the recommendation id.
 */
(function (window, document) {
  'use strict';

  var preloaded = window.persona;
  if (preloaded && preloaded.version) return;  // the script was included twice

  var VERSION = '1.0.0';
  var SESSION_COOKIE = 'persona_sid';
  var SESSION_DAYS = 30;
  var STORE_PREFIX = 'persona_';
  var MAX_BATCH = 50;            // events per TrackEvents call (the server takes 1000)
  var MAX_QUEUE = 500;           // oldest events are dropped beyond this
  var FLUSH_DELAY_MS = 500;      // batching window
  var RETRY_DELAYS_MS = [1000, 4000, 15000, 60000];
  var ATTRIBUTION_TTL_MS = 24 * 3600 * 1000;
  var MAX_PLACEMENTS_PER_CALL = 10;
  var URL_ATTRIBUTES = { href: true, src: true };
  var FIELD_ATTRIBUTES = /^(href|src|alt|title|value|aria-[a-z-]+|data-[a-z0-9-]+)$/;

  var config = null;             // set by init()
  var state = {
    session: '',
    customer: '',
    optedOut: false,             // persona.optOut(): no ids, no events
    queue: [],                   // events not yet acknowledged
    sending: null,               // the (non-keepalive) request in flight, if any
    inflight: {},                // event_id -> requests carrying it now
    timer: 0,
    failures: 0,
    hiddenSent: '',              // the queue last sent on page hide
    waiting: []                  // calls made before init()
  };

  // ---------------------------------------------------------------- utilities

  function log() {
    if (config && config.debug && window.console) {
      window.console.log.apply(window.console, ['[persona]'].concat([].slice.call(arguments)));
    }
  }

  function warn(message, detail) {
    if (window.console) window.console.warn('[persona] ' + message, detail === undefined ? '' : detail);
  }

  function randomHex(bytes) {
    var out = '';
    var values = new Uint8Array(bytes);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(values);
    } else {
      for (var i = 0; i < bytes; i++) values[i] = Math.floor(Math.random() * 256);
    }
    for (var j = 0; j < bytes; j++) out += (values[j] + 0x100).toString(16).slice(1);
    return out;
  }

  function storeGet(key) {
    try { return window.localStorage.getItem(STORE_PREFIX + key); } catch (e) { return null; }
  }

  function storeSet(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(STORE_PREFIX + key);
      else window.localStorage.setItem(STORE_PREFIX + key, value);
    } catch (e) { /* private mode or full: keep it in memory only */ }
  }

  function storeGetJson(key, fallback) {
    try { return JSON.parse(storeGet(key)) || fallback; } catch (e) { return fallback; }
  }

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return '';
  }

  function writeCookie(name, value, days) {
    var cookie = name + '=' + encodeURIComponent(value) + '; path=/; SameSite=Lax; max-age=' +
        Math.round(days * 86400);
    if (config.cookieDomain) cookie += '; domain=' + config.cookieDomain;
    if (window.location.protocol === 'https:') cookie += '; Secure';
    document.cookie = cookie;
  }

  function validId(id) {
    return typeof id === 'string' && /^[A-Za-z0-9_.:-]{8,128}$/.test(id);
  }

  function utf8Length(s) {
    return window.TextEncoder ? new TextEncoder().encode(s).length : s.length * 3;
  }

  // Ids the server accepts: 1..256 bytes of UTF-8, no control characters.
  function cleanId(value) {
    var id = value === undefined || value === null ? '' : String(value);
    return id.length > 0 && utf8Length(id) <= 256 && !/[\u0000-\u001f\u007f]/.test(id) &&
        (!id.isWellFormed || id.isWellFormed()) ? id : '';
  }

  // Text the server accepts: at most `max` characters (each at most 3 bytes of
  // UTF-8, so `max` <= 341 keeps within the server's 1024 bytes), control
  // characters as spaces, no half of a surrogate pair.
  function text(value, max) {
    var s = value === undefined || value === null ? '' : String(value);
    s = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
    if (s.length > max) s = s.slice(0, max);
    if (/[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1);
    return s.toWellFormed ? s.toWellFormed() : s;
  }

  function number(value) {
    var n = typeof value === 'number' ? value : parseFloat(value);
    return isFinite(n) ? n : 0;
  }

  function onReady(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  // ---------------------------------------------------------------- the session

  // The anonymous session id: read from the cookie (or localStorage), created
  // when missing, and renewed so an active visitor keeps it.
  function loadSession() {
    var id = config.storage === 'localStorage' ? storeGet('sid') : readCookie(SESSION_COOKIE);
    if (!validId(id)) id = 's_' + randomHex(16);
    persistSession(id);
    return id;
  }

  function persistSession(id) {
    if (config.storage === 'localStorage') storeSet('sid', id);
    else writeCookie(SESSION_COOKIE, id, SESSION_DAYS);
  }

  // ---------------------------------------------------------------- the API

  function call(method, body, keepalive) {
    var headers = { 'Content-Type': 'application/json' };
    if (config.apiKey) headers['x-api-key'] = config.apiKey;
    return window.fetch(config.endpoint + '/api/persona.v1.' + method, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: headers,
      body: JSON.stringify(body),
      keepalive: !!keepalive
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        var error = new Error(data.message || ('HTTP ' + response.status));
        error.status = response.status;
        error.code = data.code;
        throw error;
      });
    });
  }

  // Network failures, overload and server errors are worth a retry; other
  // answers (bad key, invalid request) would fail the same way again.
  function retryable(error) {
    var status = error.status || 0;
    return status === 0 || status === 408 || status === 429 || status >= 500;
  }

  // ---------------------------------------------------------------- events

  function saveQueue() {
    storeSet('queue:' + config.shop, state.queue.length ? JSON.stringify(state.queue) : null);
  }

  // Events a previous page left unsent (closed before the answer came, or
  // offline). Sending them again is safe: the server knows their event ids.
  function loadQueue() {
    var saved = storeGetJson('queue:' + config.shop, []);
    var cutoff = Date.now() - ATTRIBUTION_TTL_MS;
    for (var i = 0; i < saved.length; i++) {
      var e = saved[i];
      if (e && e.event_id && (!e.timestamp_ms || e.timestamp_ms > cutoff)) state.queue.push(e);
    }
  }

  function enqueue(event) {
    state.queue.push(event);
    if (state.queue.length > MAX_QUEUE) state.queue.splice(0, state.queue.length - MAX_QUEUE);
    saveQueue();
    schedule(FLUSH_DELAY_MS);
  }

  function schedule(delay) {
    if (state.timer) return;
    state.timer = window.setTimeout(function () {
      state.timer = 0;
      flush(false);
    }, delay);
  }

  function removeFromQueue(batch) {
    var sent = {};
    for (var i = 0; i < batch.length; i++) sent[batch[i].event_id] = true;
    state.queue = state.queue.filter(function (e) { return !sent[e.event_id]; });
  }

  // An event refused only for its time (the browser's clock runs ahead of the
  // server's) goes again once, stamped by the server on arrival.
  function requeueRejected(batch, rejected) {
    for (var i = 0; i < (rejected || []).length; i++) {
      var r = rejected[i];
      var event = batch[r.index || 0];
      if (event && /timestamp_ms$/.test(r.field || '') && event.timestamp_ms) {
        delete event.timestamp_ms;
        state.queue.push(event);
      } else {
        warn('event refused: ' + (r.field || '') + ' ' + (r.reason || ''), event);
      }
    }
  }

  // Sends the oldest events (up to MAX_BATCH, which keeps a keepalive body
  // well under the browsers' 64 KiB). With `keepalive` (page hide, clicks
  // that leave the page) the request outlives the page and does not wait for
  // one in flight: a batch sent twice is stored once.
  function flush(keepalive) {
    if (!config || !state.queue.length) return Promise.resolve();
    if (state.sending && !keepalive) return state.sending;
    // A keepalive request also takes events already in flight: a request the
    // closing page started may be cancelled with it.
    var batch = (keepalive ? state.queue : state.queue.filter(function (e) {
      return !state.inflight[e.event_id];
    })).slice(0, MAX_BATCH);
    if (!batch.length) return Promise.resolve();
    batch.forEach(function (e) { state.inflight[e.event_id] = (state.inflight[e.event_id] || 0) + 1; });
    var sending = call('EventService/TrackEvents', { shop: config.shop, events: batch }, keepalive)
      .then(function (response) {
        log('tracked', batch.length, response);
        state.failures = 0;
        removeFromQueue(batch);
        requeueRejected(batch, response.rejected);
      }, function (error) {
        if (!retryable(error)) {
          warn('events refused: ' + error.message);
          removeFromQueue(batch);
          return;
        }
        state.failures++;
        log('will retry', error.message);
      })
      .then(function () {
        batch.forEach(function (e) {
          if (--state.inflight[e.event_id] <= 0) delete state.inflight[e.event_id];
        });
        if (state.sending === sending) state.sending = null;
        saveQueue();
        if (!state.queue.length) return;
        var delay = state.failures ?
            RETRY_DELAYS_MS[Math.min(state.failures, RETRY_DELAYS_MS.length) - 1] : 0;
        schedule(delay);
      });
    if (!keepalive) state.sending = sending;
    return sending;
  }

  function attributionFor(itemIds) {
    var clicks = storeGetJson('recs', {});
    var best = null;
    for (var i = 0; i < itemIds.length; i++) {
      var c = clicks[itemIds[i]];
      if (c && Date.now() - c.t < ATTRIBUTION_TTL_MS && (!best || c.t > best.t)) best = c;
    }
    return best ? best.rec : '';
  }

  function rememberClick(itemId, recommendationId) {
    var clicks = storeGetJson('recs', {});
    var now = Date.now();
    clicks[itemId] = { rec: recommendationId, t: now };
    var ids = Object.keys(clicks).sort(function (a, b) { return clicks[b].t - clicks[a].t; });
    for (var i = 0; i < ids.length; i++) {
      if (i >= 50 || now - clicks[ids[i]].t > ATTRIBUTION_TTL_MS) delete clicks[ids[i]];
    }
    storeSet('recs', JSON.stringify(clicks));
  }

  function toItems(items) {
    var out = [];
    for (var i = 0; i < (items || []).length; i++) {
      var it = typeof items[i] === 'object' ? items[i] : { id: items[i] };
      var id = cleanId(it.id !== undefined ? it.id : it.item_id);
      if (!id) continue;
      var item = { item_id: id };
      if (it.quantity) item.quantity = Math.max(0, Math.round(number(it.quantity)));
      if (it.price) item.price = Math.max(0, number(it.price));
      out.push(item);
    }
    return out;
  }

  // Builds and queues one event; `fields` may hold items, order_id, value,
  // recommendation_id and properties (strings).
  function track(type, fields) {
    if (state.optedOut) return '';
    fields = fields || {};
    var event = {
      event_id: 'e_' + randomHex(12),
      type: type,
      channel: 'WEB',
      timestamp_ms: Date.now()
    };
    if (state.customer) event.customer_id = state.customer;
    if (!state.customer || fields.withSession) event.session_id = state.session;
    var items = toItems(fields.items);
    if (items.length) event.items = items;
    if (cleanId(fields.order_id)) event.order_id = cleanId(fields.order_id);
    if (fields.value) event.value = number(fields.value);
    var rec = fields.recommendation_id ||
        (fields.attribute ? attributionFor(items.map(function (i) { return i.item_id; })) : '');
    if (rec) event.recommendation_id = rec;
    var props = fields.properties || {};
    var keys = Object.keys(props).slice(0, 32);
    if (keys.length) {
      event.properties = {};
      for (var k = 0; k < keys.length; k++) {
        var key = text(keys[k], 40);  // the server takes keys of up to 128 bytes
        if (key) event.properties[key] = text(props[keys[k]], 300);
      }
    }
    log('event', event);
    enqueue(event);
    return event.event_id;
  }

  function pageProperties() {
    var props = { path: window.location.pathname + window.location.search };
    if (document.title) props.title = document.title;
    if (document.referrer) props.referrer = document.referrer;
    return props;
  }

  // ---------------------------------------------------------------- the widget

  function formatPrice(price, currency) {
    if (!currency) currency = config.currency;
    try {
      if (currency) {
        return new Intl.NumberFormat(config.locale || undefined,
                                     { style: 'currency', currency: currency }).format(price);
      }
    } catch (e) { /* an unknown currency code: plain number below */ }
    return price.toFixed(2);
  }

  // The values a template may show, all strings.
  function fieldsOf(recommended, position) {
    var item = recommended.item || {};
    var price = number(item.price);
    return {
      id: text(item.id, 256),
      title: text(item.title, 1024),
      brand: text(item.brand, 256),
      category: (item.category_path || []).join(' / '),
      price: formatPrice(price, item.currency),
      price_value: String(price),
      currency: text(item.currency || config.currency, 16),
      url: text(item.url, 2048),
      image: text(item.image_url, 2048),
      reason: text(recommended.reason, 512),
      reason_code: text(recommended.reason_code, 64),
      source: text(recommended.source, 64),
      position: String(position + 1)
    };
  }

  // Only http(s) and relative URLs; never javascript:, data: or the like.
  function safeUrl(value) {
    if (!value) return '';
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
    } catch (e) {
      return '';
    }
  }

  // Sets text with textContent and attributes one by one: catalog data is
  // never parsed as HTML, so a title holding <script> stays text.
  function bind(root, values) {
    var withText = root.querySelectorAll('[data-persona-field]');
    for (var i = 0; i < withText.length; i++) {
      var name = withText[i].getAttribute('data-persona-field');
      withText[i].textContent = values.hasOwnProperty(name) ? values[name] : '';
    }
    var withAttrs = root.querySelectorAll('[data-persona-attr]');
    for (var j = 0; j < withAttrs.length; j++) {
      var pairs = withAttrs[j].getAttribute('data-persona-attr').split(/[\s,]+/);
      for (var p = 0; p < pairs.length; p++) {
        var colon = pairs[p].indexOf(':');
        if (colon < 1) continue;
        var attr = pairs[p].slice(0, colon).toLowerCase();
        var field = pairs[p].slice(colon + 1);
        if (!FIELD_ATTRIBUTES.test(attr)) {
          warn('data-persona-attr: attribute not allowed: ' + attr);
          continue;
        }
        var value = values.hasOwnProperty(field) ? values[field] : '';
        if (URL_ATTRIBUTES[attr]) value = safeUrl(value);
        if (value) withAttrs[j].setAttribute(attr, value);
        else withAttrs[j].removeAttribute(attr);
      }
    }
  }

  function templateFor(container) {
    var id = container.getAttribute('data-persona-template');
    var template = id ? document.getElementById(id) : container.querySelector('template');
    return template && template.content ? template : null;
  }

  function fill(container, response) {
    var template = templateFor(container);
    if (!template) {
      container.setAttribute('data-persona-state', 'error');
      warn('no <template> for placement ' + container.getAttribute('data-persona-placement'));
      return;
    }
    var target = container.querySelector('[data-persona-items]') || container;
    var old = target.querySelectorAll('[data-persona-rendered]');
    for (var o = 0; o < old.length; o++) old[o].parentNode.removeChild(old[o]);
    var items = response.items || [];
    for (var i = 0; i < items.length; i++) {
      var fragment = template.content.cloneNode(true);
      bind(fragment, fieldsOf(items[i], i));
      for (var el = fragment.firstElementChild; el; el = el.nextElementSibling) {
        el.setAttribute('data-persona-rendered', '');
        el.setAttribute('data-persona-item', items[i].item ? items[i].item.id : '');
        el.setAttribute('data-persona-position', String(i + 1));
      }
      target.appendChild(fragment);
    }
    container.setAttribute('data-persona-recommendation-id', response.recommendation_id || '');
    container.setAttribute('data-persona-state', items.length ? 'rendered' : 'empty');
    if (items.length) watchImpression(container);
    container.dispatchEvent(new CustomEvent('persona:rendered', { bubbles: true, detail: response }));
  }

  function renderedIds(container) {
    var nodes = container.querySelectorAll('[data-persona-rendered][data-persona-item]');
    var seen = {};
    var ids = [];
    for (var i = 0; i < nodes.length; i++) {
      var id = nodes[i].getAttribute('data-persona-item');
      if (id && !seen[id]) { seen[id] = true; ids.push(id); }
    }
    return ids;
  }

  function impression(container) {
    var rec = container.getAttribute('data-persona-recommendation-id');
    if (!rec || container.getAttribute('data-persona-impression') === rec) return;
    container.setAttribute('data-persona-impression', rec);
    track('RECOMMENDATION_IMPRESSION', {
      recommendation_id: rec,
      items: renderedIds(container),
      properties: { placement: container.getAttribute('data-persona-placement') || '' }
    });
  }

  var observer = null;

  // An impression counts once half of the block has been on screen.
  function watchImpression(container) {
    if (!window.IntersectionObserver) return impression(container);
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        for (var i = 0; i < entries.length; i++) {
          if (entries[i].isIntersecting) {
            observer.unobserve(entries[i].target);
            impression(entries[i].target);
          }
        }
      }, { threshold: 0.5 });
    }
    observer.unobserve(container);
    observer.observe(container);
  }

  function contextOf(containers) {
    var ids = [];
    var add = function (list) {
      var parts = (list || '').split(',');
      for (var i = 0; i < parts.length; i++) {
        var id = cleanId(parts[i].trim());
        if (id && ids.indexOf(id) < 0) ids.push(id);
      }
    };
    for (var i = 0; i < containers.length; i++) add(containers[i].getAttribute('data-persona-context'));
    if (!ids.length) {
      var product = document.querySelector('[data-persona-product]');
      if (product) add(product.getAttribute('data-persona-product'));
    }
    return ids.slice(0, 100);
  }

  // Fills the placements under `root` (default: the document) with one
  // RecommendPage call per ten placements; resolves with the responses.
  function render(root) {
    if (!config) return Promise.reject(new Error('persona.init() first'));
    root = root || document;
    var containers = [].slice.call(root.querySelectorAll('[data-persona-placement]'));
    if (root.hasAttribute && root.hasAttribute('data-persona-placement')) containers.unshift(root);
    var calls = [];
    for (var start = 0; start < containers.length; start += MAX_PLACEMENTS_PER_CALL) {
      calls.push(renderGroup(containers.slice(start, start + MAX_PLACEMENTS_PER_CALL)));
    }
    return Promise.all(calls).then(function (groups) { return [].concat.apply([], groups); });
  }

  function renderGroup(containers) {
    var request = {
      shop: config.shop,
      context_item_ids: contextOf(containers),
      placements: containers.map(function (c) {
        var p = { placement: c.getAttribute('data-persona-placement') };
        var count = parseInt(c.getAttribute('data-persona-count'), 10);
        if (count > 0) p.count = count;
        if (c.getAttribute('data-persona-rules')) p.rules = c.getAttribute('data-persona-rules');
        return p;
      })
    };
    if (state.customer) request.customer_id = state.customer;
    else if (state.session) request.session_id = state.session;
    if (config.locale) request.locale = config.locale;
    containers.forEach(function (c) { c.setAttribute('data-persona-state', 'loading'); });
    return call('RecommendService/RecommendPage', request).then(function (response) {
      var answers = response.placements || [];
      containers.forEach(function (c, i) { fill(c, answers[i] || {}); });
      return answers;
    }, function (error) {
      warn('recommendations failed: ' + error.message);
      containers.forEach(function (c) { c.setAttribute('data-persona-state', 'error'); });
      return [];
    });
  }

  // ---------------------------------------------------------------- page wiring

  function onClick(event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    var rendered = target.closest('[data-persona-rendered]');
    var container = rendered && rendered.closest('[data-persona-recommendation-id]');
    if (container) {
      var rec = container.getAttribute('data-persona-recommendation-id');
      var item = rendered.getAttribute('data-persona-item');
      if (rec && item) {
        rememberClick(item, rec);
        track('RECOMMENDATION_CLICK', {
          recommendation_id: rec,
          items: [item],
          properties: {
            placement: container.getAttribute('data-persona-placement') || '',
            position: rendered.getAttribute('data-persona-position') || ''
          }
        });
        flush(true);  // the click usually leaves the page
      }
    }
    var add = target.closest('[data-persona-add-to-cart]');
    if (add) cartEvent('ADD_TO_CART', add, 'data-persona-add-to-cart');
    var remove = target.closest('[data-persona-remove-from-cart]');
    if (remove) cartEvent('REMOVE_FROM_CART', remove, 'data-persona-remove-from-cart');
  }

  function cartEvent(type, el, attribute) {
    var item = {
      id: el.getAttribute(attribute),
      quantity: el.getAttribute('data-persona-quantity') || 1,
      price: el.getAttribute('data-persona-price') || 0
    };
    track(type, { items: [item], attribute: true });
  }

  // Page hide (and the tab going to the background, which on mobile may be
  // the last chance): what is queued leaves with fetch keepalive, which
  // outlives the page and, unlike sendBeacon, can carry the x-api-key header.
  // Both signals often come together; the same queue is sent once.
  function onPageHide() {
    if (state.timer) { window.clearTimeout(state.timer); state.timer = 0; }
    var ids = state.queue.map(function (e) { return e.event_id; }).join(',');
    if (!ids || ids === state.hiddenSent) return;
    state.hiddenSent = ids;
    flush(true);
  }

  function start() {
    document.addEventListener('click', onClick, true);
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') onPageHide();
    });
    onReady(function () {
      if (config.trackPageView) track('PAGE_VIEW', { properties: pageProperties() });
      var product = document.querySelector('[data-persona-product]');
      if (product) {
        api.productView(product.getAttribute('data-persona-product'),
                        { price: product.getAttribute('data-persona-price') });
      }
      if (config.autoRender) render();
    });
    if (state.queue.length) schedule(0);
  }

  // ---------------------------------------------------------------- public API

  var api = {
    version: VERSION,

    // Configures the script; call once. options: endpoint (the server's base
    // URL; default the origin /persona.js came from), apiKey (a FRONTEND key,
    // public), shop (default ''), storage ('cookie' or 'localStorage'),
    // cookieDomain, currency (for prices without one), locale,
    // trackPageView (default true), autoRender (default true), debug.
    init: function (options) {
      if (config) return api;
      options = options || {};
      config = {
        endpoint: String(options.endpoint || scriptOrigin() || window.location.origin).replace(/\/+$/, ''),
        apiKey: options.apiKey || '',
        shop: options.shop || '',
        storage: options.storage === 'localStorage' ? 'localStorage' : 'cookie',
        cookieDomain: options.cookieDomain || '',
        currency: options.currency || '',
        locale: options.locale || '',
        trackPageView: options.trackPageView !== false,
        autoRender: options.autoRender !== false,
        debug: !!options.debug
      };
      state.optedOut = storeGet('optout') === '1';
      if (!state.optedOut) {
        state.session = loadSession();
        state.customer = cleanId(storeGet('customer:' + config.shop));
        loadQueue();
      }
      start();
      var waiting = state.waiting;
      state.waiting = [];
      for (var i = 0; i < waiting.length; i++) waiting[i]();
      return api;
    },

    // The anonymous session id (empty before init).
    sessionId: function () { return state.session; },
    // The identified customer, or ''.
    customerId: function () { return state.customer; },

    // Queues an event of any EventType name, e.g. persona.track('SEARCH',
    // {properties: {query: 'lamp'}}); returns a promise of its event id.
    track: function (type, fields) { return later(function () { return track(type, fields); }); },

    productView: function (itemId, options) {
      options = options || {};
      return later(function () {
        return track('PRODUCT_VIEW', { items: [{ id: itemId, price: options.price }], attribute: true });
      });
    },

    addToCart: function (itemId, quantity, price) {
      return later(function () {
        return track('ADD_TO_CART', { items: [{ id: itemId, quantity: quantity || 1, price: price }], attribute: true });
      });
    },

    removeFromCart: function (itemId, quantity) {
      return later(function () {
        return track('REMOVE_FROM_CART', { items: [{ id: itemId, quantity: quantity || 1 }] });
      });
    },

    // items: [{id, quantity, price}]; value defaults to their sum server-side.
    purchase: function (orderId, items, value) {
      return later(function () {
        var id = track('PURCHASE', { order_id: orderId, items: items, value: value, attribute: true });
        flush(false);
        return id;
      });
    },

    // Tells the server the visitor logged in as `customerId`: one event with
    // both ids merges the session's history into the customer; later events
    // and recommendations use the customer id.
    identify: function (customerId) {
      return later(function () {
        var id = cleanId(customerId);
        if (!id) throw new Error('persona.identify: a customer id of 1..256 characters');
        if (id === state.customer || state.optedOut) return '';
        state.customer = id;
        storeSet('customer:' + config.shop, id);
        var props = pageProperties();
        props.action = 'identify';
        var eventId = track('PAGE_VIEW', { withSession: true, properties: props });
        flush(false);
        return eventId;
      });
    },

    // Forgets the customer (logout) and starts a new anonymous session.
    reset: function () {
      return later(function () {
        state.customer = '';
        storeSet('customer:' + config.shop, null);
        if (state.optedOut) return;
        state.session = 's_' + randomHex(16);
        persistSession(state.session);
      });
    },

    // The visitor refused tracking: forgets the session, the customer, unsent
    // events and clicks, and from now on (also on later pages, remembered in
    // localStorage as persona_optout) sends no events and no ids; blocks still
    // show recommendations, not personalized.
    optOut: function () {
      return later(function () {
        state.optedOut = true;
        storeSet('optout', '1');
        state.queue = [];
        try {
          Object.keys(window.localStorage).forEach(function (key) {
            if (key.indexOf(STORE_PREFIX) === 0 && key !== STORE_PREFIX + 'optout') {
              window.localStorage.removeItem(key);
            }
          });
        } catch (e) { /* no localStorage: nothing stored there */ }
        writeCookie(SESSION_COOKIE, '', 0);
        state.customer = '';
        state.session = '';
      });
    },

    // Tracking allowed again: a new anonymous session.
    optIn: function () {
      return later(function () {
        storeSet('optout', null);
        state.optedOut = false;
        if (!state.session) state.session = loadSession();
      });
    },

    // Renders the placements under `root` (default: the whole page) again.
    render: function (root) { return later(function () { return render(root); }); },

    // Asks for one placement's recommendations, for pages that draw their own.
    recommend: function (placement, options) {
      options = options || {};
      return later(function () {
        var request = {
          shop: config.shop,
          placement: placement,
          count: options.count || 0,
          context_item_ids: options.context || []
        };
        if (state.customer) request.customer_id = state.customer;
        else if (state.session) request.session_id = state.session;
        return call('RecommendService/Recommend', request);
      });
    },

    // Sends queued events now; resolves when the server answered.
    flush: function () { return later(function () { return flush(false); }); }
  };

  // Runs `fn` now when initialised, else after init(); resolves with its result.
  function later(fn) {
    if (config) {
      try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
    }
    return new Promise(function (resolve, reject) {
      state.waiting.push(function () {
        try { resolve(fn()); } catch (e) { reject(e); }
      });
    });
  }

  var script = document.currentScript;

  function scriptOrigin() {
    try { return script && script.src ? new URL(script.src).origin : ''; } catch (e) { return ''; }
  }

  window.persona = api;

  // Configured by the script tag's data- attributes.
  if (script && (script.hasAttribute('data-api-key') || script.hasAttribute('data-shop') ||
                 script.hasAttribute('data-endpoint'))) {
    api.init({
      endpoint: script.getAttribute('data-endpoint'),
      apiKey: script.getAttribute('data-api-key'),
      shop: script.getAttribute('data-shop'),
      storage: script.getAttribute('data-storage'),
      currency: script.getAttribute('data-currency'),
      locale: script.getAttribute('data-locale'),
      trackPageView: script.getAttribute('data-track-page-view') !== 'false',
      autoRender: script.getAttribute('data-auto-render') !== 'false',
      debug: script.hasAttribute('data-debug')
    });
  }

  // Calls queued before the script loaded: window.persona = [['init', {...}], ...].
  if (Array.isArray(preloaded)) {
    for (var i = 0; i < preloaded.length; i++) {
      var entry = preloaded[i];
      if (entry && typeof api[entry[0]] === 'function') api[entry[0]].apply(api, entry.slice(1));
    }
  }
})(window, document);
