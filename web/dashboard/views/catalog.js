// Catalog search (CatalogService.SearchItems): words matched in id, title,
// brand and category names, optional category and brand filters, a page of
// 20 at a time.
import {call, num} from '../api.js';
import {decimal, el, fill, integer, message, table} from '../format.js';

const PAGE_SIZE = 20;

function itemRow(item) {
  return [item.id, item.title || '', item.brand || '', (item.category_path || []).join(' / '),
          `${decimal(item.price)} ${item.currency || ''}`.trim(),
          (item.availability || 'IN_STOCK').replace(/_/g, ' ').toLowerCase(),
          num(item.stock ?? 0) < 0 ? '-' : integer(item.stock)];
}

async function search(ctx, out, request, tokens) {
  const answer = await call('CatalogService', 'SearchItems', {
    shop: ctx.shop, ...request, page_size: PAGE_SIZE, page_token: tokens[tokens.length - 1],
  });
  const items = answer.items || [];
  const total = num(answer.total_matches);
  const first = (tokens.length - 1) * PAGE_SIZE;
  const again = (next) => ctx.run(() => search(ctx, out, request, next));
  fill(out, el('p', {class: 'muted', 'data-test': 'total'},
       total === 0 ? 'No item matches.'
         : `${integer(total)} matching items; showing ${first + 1}-${first + items.length}.`),
    items.length === 0 ? null
      : table(['Id', 'Title', 'Brand', 'Category', 'Price', 'Availability', 'Stock'],
              items.map(itemRow), {'data-test': 'items'}),
    el('div', {class: 'toolbar'},
       el('button', {type: 'button', disabled: tokens.length === 1,
                     onclick: () => again(tokens.slice(0, -1))}, 'Previous page'),
       el('button', {type: 'button', disabled: !answer.next_page_token, 'data-test': 'next',
                     onclick: () => again([...tokens, answer.next_page_token])}, 'Next page')));
}

export const catalogView = {
  id: 'catalog',
  title: 'Catalog',
  render(ctx, root, param) {
    const query = el('input', {name: 'q', placeholder: 'words in title, id, brand, category',
                               value: param || '', 'data-test': 'query'});
    const category = el('input', {name: 'category', placeholder: 'category, e.g. Home/Lighting'});
    const brand = el('input', {name: 'brand', placeholder: 'brand'});
    const out = el('div', {class: 'result'}, message('Search the catalog; an empty search lists every item.'));
    const form = el('form', {class: 'toolbar', onsubmit: (event) => {
      event.preventDefault();
      ctx.setParam(query.value.trim());
      const request = {query: query.value.trim()};
      const path = category.value.split('/').map((s) => s.trim()).filter(Boolean);
      if (path.length > 0) request.category_path = path;
      if (brand.value.trim()) request.brands = [brand.value.trim()];
      ctx.run(() => search(ctx, out, request, ['']));
    }}, query, category, brand, el('button', {type: 'submit'}, 'Search'));
    fill(root, el('h2', {}, 'Catalog search'), form, out);
    if (param) form.requestSubmit();
  },
};
