// Placements and experiments: every served placement with its variants
// (AdminService.ListPlacements), and for the chosen days the figures per
// variant (MetricsService.GetPlacementMetrics) as totals with their 95%
// intervals and the test against the control, and click-through, conversion
// and revenue charts with one line per variant.
import {call, num} from '../api.js';
import {lineChart} from '../charts.js';
import {card, dayFromToday, daysBetween, decimal, el, fill, integer, message, percent, table,
        variantName} from '../format.js';

function estimate(e, show) {
  const x = e || {};
  return `${show(x.value)} [${show(x.low)}, ${show(x.high)}]`;
}

function comparison(v) {
  const c = v.vs_control;
  if (!c) return 'control';
  const ctr = c.click_through_rate || {};
  const pts = (num(ctr.difference) * 100).toFixed(2);
  return `CTR ${num(ctr.difference) >= 0 ? '+' : ''}${pts} pts, p=${num(ctr.p_value ?? 1).toFixed(3)}` +
         (ctr.significant ? ' (significant)' : '');
}

function totalsTable(metrics) {
  return table(['Variant', 'Impressions', 'Clicks', 'Click-through', 'Orders', 'Conversion',
                'Revenue', 'Revenue / 1000', 'Against control'],
    (metrics.variants || []).map((v) => {
      const t = v.totals || {};
      return [variantName(v.variant), integer(t.impressions), integer(t.clicks),
              estimate(t.click_through_rate, (x) => percent(x)), integer(t.conversions),
              estimate(t.conversion_rate, (x) => percent(x)), decimal((t.revenue || {}).value),
              decimal((t.revenue_per_mille || {}).value), comparison(v)];
    }), {class: 'compact', 'data-test': 'totals'});
}

function variantsTable(info) {
  return table(['Variant', 'Share', 'Strategy', 'Rules'], (info.variants || []).map((v) => [
    v.name, percent(v.share, 0),
    (v.strategy || []).map((s) => `${s.recommender} x${num(s.weight)}`).join(', '),
    v.rules || '']), {class: 'compact'});
}

// One chart of `figure(dayFigures)` per day, a line per variant.
function chart(title, days, metrics, figure, format) {
  const series = (metrics.variants || []).map((v) => ({
    name: variantName(v.variant),
    points: new Map((v.days || []).map((d) => [d.date, figure(d.figures || {})])),
  }));
  return lineChart({title, days, series, format});
}

function placementCard(info, metrics, days) {
  const title = el('span', {}, info ? info.name : metrics.placement);
  return el('section', {class: 'card', 'data-placement': metrics.placement},
    el('h3', {}, title, info && info.description ? el('span', {class: 'muted'}, ` ${info.description}`) : null),
    info ? variantsTable(info) : null,
    totalsTable(metrics),
    el('div', {class: 'charts'},
       chart(`${metrics.placement}: click-through rate`, days, metrics,
             (f) => num((f.click_through_rate || {}).value), (x) => percent(x, 1)),
       chart(`${metrics.placement}: conversion rate`, days, metrics,
             (f) => num((f.conversion_rate || {}).value), (x) => percent(x, 1)),
       chart(`${metrics.placement}: revenue`, days, metrics,
             (f) => num((f.revenue || {}).value), (x) => decimal(x, 0))));
}

async function show(ctx, out, from, to) {
  const [listed, report] = await Promise.all([
    call('AdminService', 'ListPlacements', {shop: ctx.shop}),
    call('MetricsService', 'GetPlacementMetrics', {shop: ctx.shop, from_date: from, to_date: to}),
  ]);
  const byName = new Map((listed.placements || []).map((p) => [p.name, p]));
  const withFigures = report.placements || [];
  const days = daysBetween(report.from_date, report.to_date);
  const figured = new Set(withFigures.map((m) => m.placement));
  const quiet = (listed.placements || []).filter((p) => !figured.has(p.name));
  fill(out, el('p', {class: 'muted'}, `Recommendations issued ${report.from_date} to ${report.to_date} ` +
                              '(UTC), with 95% intervals.'),
    withFigures.length === 0 ? message('No placement has figures in these days.') : null,
    withFigures.map((m) => placementCard(byName.get(m.placement), m, days)),
    card('Placements without figures in these days',
         table(['Placement', 'Variants', 'Description'], quiet.map((p) => [
           p.name, (p.variants || []).map((v) => `${v.name} ${percent(v.share, 0)}`).join(', '),
           p.description || '']), {class: 'compact', 'data-test': 'quiet-placements'})));
}

export const placementsView = {
  id: 'placements',
  title: 'Placements',
  render(ctx, root) {
    const from = el('input', {type: 'date', value: dayFromToday(-29), 'data-test': 'from'});
    const to = el('input', {type: 'date', value: dayFromToday(0), 'data-test': 'to'});
    const out = el('div', {class: 'result'});
    const form = el('form', {class: 'toolbar', onsubmit: (event) => {
      event.preventDefault();
      ctx.run(() => show(ctx, out, from.value, to.value));
    }}, el('label', {}, 'From ', from), el('label', {}, 'to ', to),
        el('button', {type: 'submit'}, 'Show'));
    fill(root, el('h2', {}, 'Placements and experiments'), form, out);
    form.requestSubmit();
  },
};
