// Line charts drawn as inline SVG: one <path class="series"> per series, with
// a dot and a tooltip per point, y axis from 0 to a rounded maximum, the
// days of the range on the x axis and a legend. No library.
import {el} from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#1f6feb', '#d9480f', '#2b8a3e', '#9c36b5', '#e8590c', '#0b7285', '#c2255c',
                '#5c940d'];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// The smallest "nice" number (1, 2, 2.5, 5 x 10^k) at or above `value`.
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

// Returns a <figure> holding the chart. `days` are the x positions
// ("YYYY-MM-DD", in order); each series is {name, points: Map(day -> value)};
// days a series has no value for are left out of its line. `format` turns
// a value into axis and tooltip text.
export function lineChart({title, days, series, format = String, width = 560, height = 230}) {
  const margin = {top: 12, right: 16, bottom: 28, left: 64};
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  let max = 0;
  for (const s of series) for (const v of s.points.values()) max = Math.max(max, v);
  const top = niceCeiling(max);
  const x = (i) => margin.left + (days.length <= 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v) => margin.top + plotH - (v / top) * plotH;
  const root = svg('svg', {viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
                           'aria-label': title});
  root.append(svg('title', {}, title));
  for (let t = 0; t <= 4; ++t) {
    const v = (top * t) / 4;
    root.append(svg('line', {x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v),
                             class: 'grid'}),
                svg('text', {x: margin.left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end'},
                    format(v)));
  }
  const labelled = new Set([0, Math.floor((days.length - 1) / 2), days.length - 1]);
  days.forEach((day, i) => {
    if (!labelled.has(i)) return;
    // The first and last labels stay inside the plot's width.
    const anchor = days.length > 1 && i === 0 ? 'start'
      : days.length > 1 && i === days.length - 1 ? 'end' : 'middle';
    root.append(svg('text', {x: x(i), y: height - 8, class: 'tick', 'text-anchor': anchor}, day));
  });
  series.forEach((s, n) => {
    const color = COLORS[n % COLORS.length];
    const present = days.map((d, i) => [i, s.points.get(d)]).filter(([, v]) => v !== undefined);
    const d = present.map(([i, v], k) => `${k === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)
                     .join(' ');
    root.append(svg('path', {d: d || 'M0,0', class: 'series', 'data-series': s.name,
                             stroke: color, fill: 'none'}));
    for (const [i, v] of present) {
      root.append(svg('circle', {cx: x(i), cy: y(v), r: 3, fill: color, class: 'point'},
                      svg('title', {}, `${s.name} ${days[i]}: ${format(v)}`)));
    }
  });
  const legend = el('ul', {class: 'legend'},
                    series.map((s, n) => el('li', {},
                                            el('span', {class: 'swatch',
                                                        'data-color': n % COLORS.length}),
                                            s.name)));
  return el('figure', {class: 'chart-box', 'data-chart': title}, el('figcaption', {}, title), root,
            legend);
}
