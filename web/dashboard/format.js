// Small DOM and formatting helpers. Text always goes in as text nodes, never
// as HTML, so names and titles from the API cannot inject markup.
import {num} from './api.js';

// Creates an element: el('div', {class: 'card', 'data-test': 'x'}, child...)
// where children are nodes, strings, numbers, arrays or null (skipped).
// Attributes starting with "on" are event listeners.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, '');
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces the children of `node` with `children` (as in el()).
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// A table from column headings and rows of cells.
export function table(headings, rows, attrs = {}) {
  return el('table', attrs,
            el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))),
            el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))));
}

// A definition list of [label, value] pairs, values left out when null.
export function facts(pairs, attrs = {}) {
  const rows = pairs.filter(([, v]) => v !== null && v !== undefined && v !== '');
  return el('dl', {class: 'facts', ...attrs},
            rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function card(title, ...children) {
  return el('section', {class: 'card'}, title ? el('h3', {}, title) : null, ...children);
}

export function message(text, kind = 'note') {
  return el('p', {class: `message ${kind}`}, text);
}

export function integer(value) {
  return Math.round(num(value)).toLocaleString('en-GB');
}

export function decimal(value, digits = 2) {
  return num(value).toLocaleString('en-GB', {minimumFractionDigits: digits,
                                            maximumFractionDigits: digits});
}

export function percent(fraction, digits = 2) {
  return `${(num(fraction) * 100).toFixed(digits)}%`;
}

// Epoch milliseconds as "2026-11-23 10:15 UTC"; "-" for 0.
export function dateTime(ms) {
  const n = num(ms);
  if (n <= 0) return '-';
  return `${new Date(n).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// The UTC day `offset` days from today, "YYYY-MM-DD".
export function dayFromToday(offset) {
  const d = new Date(Date.now() + offset * 86400000);
  return d.toISOString().slice(0, 10);
}

// Every day from `from` to `to` ("YYYY-MM-DD", inclusive), at most 400.
export function daysBetween(from, to) {
  const out = [];
  let t = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  while (Number.isFinite(t) && t <= end && out.length < 400) {
    out.push(new Date(t).toISOString().slice(0, 10));
    t += 86400000;
  }
  return out;
}

// A variant's display name: the JSON mapping leaves out the empty name.
export function variantName(name) {
  return name ? name : '(no experiment)';
}
