// The dashboard's shell: the API key field (kept in sessionStorage, sent as
// x-api-key), the shop selector (AdminService.ListShops; a text field when
// the key may not list shops), the navigation between views by URL hash
// (#customer/<id>, #catalog/<words>, #placements, #segments, #model) and the
// error banner every view reports to.
import {apiKey, call, saveShop, savedShop, setApiKey} from './api.js';
import {el, fill} from './format.js';
import {catalogView} from './views/catalog.js';
import {customerView} from './views/customer.js';
import {modelView} from './views/model.js';
import {placementsView} from './views/placements.js';
import {segmentsView} from './views/segments.js';

const VIEWS = [customerView, catalogView, placementsView, segmentsView, modelView];

const state = {shop: savedShop(), busy: 0};

function banner(text, kind) {
  const box = document.getElementById('banner');
  fill(box, text ? el('p', {class: `message ${kind}`}, text) : '');
}

// Runs a view's async work: shows "working", and any failure in the banner.
async function run(work) {
  ++state.busy;
  document.body.classList.add('busy');
  try {
    await work();
    banner('');
  } catch (e) {
    const hint = e.code === 'UNAUTHENTICATED' ? ' Enter an API key above.'
      : e.code === 'PERMISSION_DENIED' ? ' This key\'s role or shops do not allow it.' : '';
    banner(`${e.message}${hint}`, 'error');
  } finally {
    if (--state.busy === 0) document.body.classList.remove('busy');
  }
}

function route() {
  const [id, ...rest] = location.hash.replace(/^#/, '').split('/');
  const view = VIEWS.find((v) => v.id === id) || VIEWS[0];
  const param = decodeURIComponent(rest.join('/'));
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.dataset.view === view.id);
  }
  const ctx = {
    shop: state.shop, run,
    // Records the view's input in the URL without rendering again.
    setParam: (p) => history.replaceState(null, '', `#${view.id}${p ? `/${encodeURIComponent(p)}` : ''}`),
  };
  const root = document.getElementById('view');
  root.dataset.view = view.id;
  view.render(ctx, root, param);
}

async function loadShops() {
  const picker = document.getElementById('shop');
  const typed = document.getElementById('shop-typed');
  try {
    const listed = await call('AdminService', 'ListShops', {});
    const shops = listed.shops || [];
    fill(picker, el('option', {value: ''}, '(default shop)'),
                           shops.map((s) => el('option', {value: s}, s)));
    if (state.shop && !shops.includes(state.shop)) picker.append(el('option', {value: state.shop}, state.shop));
    picker.value = state.shop;
    picker.hidden = false;
    typed.hidden = true;
  } catch (e) {
    // Keys limited to shops may not list them: type the shop instead.
    picker.hidden = true;
    typed.hidden = false;
    typed.value = state.shop;
    if (e.code !== 'PERMISSION_DENIED') banner(`${e.message}`, 'error');
  }
}

function chooseShop(shop) {
  state.shop = shop.trim();
  saveShop(state.shop);
  route();
}

function start() {
  const key = document.getElementById('api-key');
  key.value = apiKey();
  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setApiKey(key.value.trim());
    banner('');
    loadShops().then(route);
  });
  document.getElementById('shop').addEventListener('change', (e) => chooseShop(e.target.value));
  document.getElementById('shop-typed').addEventListener('change', (e) => chooseShop(e.target.value));
  document.getElementById('nav').replaceChildren(
    ...VIEWS.map((v) => el('a', {href: `#${v.id}`, 'data-view': v.id}, v.title)));
  window.addEventListener('hashchange', route);
  loadShops().then(route);
}

start();
