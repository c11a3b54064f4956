// The model and the shop's figures: the serving model's version, training
// time and size, its evaluation figures and the ingest rate
// (AdminService.GetModelInfo), the shop's counters and best sellers
// (GetStats), and "Train now" (TrainModel, admin keys only).
import {call, num} from '../api.js';
import {card, dateTime, decimal, el, fill, facts, integer, message, table} from '../format.js';

// The previous GetStats reading, for the rate between two refreshes.
let lastReading = null;

function modelCard(info) {
  if (info === null) return card('Model', message('No model trained yet: recommendations use ' +
                                                  'popularity and the other non-learnt sources.'));
  const evaluation = Object.entries(info.evaluation || {}).sort(([a], [b]) => a.localeCompare(b));
  return card('Model',
    facts([['Version', el('code', {'data-test': 'model-version'}, info.version)],
           ['Trained', dateTime(info.trained_time_ms)],
           ['Training took', `${decimal(info.training_seconds, 1)} s`],
           ['Learnt from', `${integer(info.users)} customers and sessions, ${integer(info.items)} ` +
                           `items, ${integer(info.interactions)} interactions`],
           ['Scores', `${integer(info.trained_items)} trained + ${integer(info.imputed_items)} ` +
                      `placed by category${info.approximate_index ? ', approximate index' : ''}`],
           ['Settings', `${info.factors ?? 0} factors, lambda ${num(info.regularization)}, ` +
                        `alpha ${num(info.alpha)}, ${info.iterations ?? 0} iterations`],
           ['Ingest', el('span', {'data-test': 'ingest'},
                         `${decimal(info.ingest_events_per_second, 2)} events/s since the server ` +
                         `started (${integer(info.events_since_start)} events)`)]]),
    el('h4', {}, 'Evaluation'),
    evaluation.length === 0 ? message('The training run recorded no figures.')
      : table(['Figure', 'Value'],
              evaluation.map(([k, v]) => [k, Number.isInteger(v) ? integer(v) : decimal(v, 4)]),
              {class: 'compact', 'data-test': 'evaluation'}));
}

function statsCard(stats, rate) {
  return card('Shop',
    facts([['Items', `${integer(stats.items)} (${integer(stats.recommendable_items)} recommendable)`],
           ['Customers', integer(stats.customers)], ['Anonymous sessions', integer(stats.sessions)],
           ['Events', `${integer(stats.events_total)} in all, ${integer(stats.events_stored)} stored, ` +
                      `${integer(stats.duplicates_total)} duplicates`],
           ['Newest event', dateTime(stats.last_event_time_ms)],
           ['Ingest now', rate === null ? 'refresh again to measure' : `${decimal(rate, 2)} events/s`],
           ['Serving', stats.model_version || '-']], {'data-test': 'stats'}),
    el('h4', {}, 'Best sellers now'),
    table(['Item', 'Title', 'Purchases'], (stats.top_items || []).map(
      (t) => [t.item_id, t.title || '', integer(t.purchases)]), {class: 'compact'}));
}

async function show(ctx, out) {
  const [info, stats] = await Promise.all([
    call('AdminService', 'GetModelInfo', {shop: ctx.shop})
      .catch((e) => { if (e.code === 'NOT_FOUND') return null; throw e; }),
    call('AdminService', 'GetStats', {shop: ctx.shop}),
  ]);
  const now = Date.now();
  let rate = null;
  if (lastReading && lastReading.shop === ctx.shop && now > lastReading.time) {
    rate = (num(stats.events_total) - lastReading.events) / ((now - lastReading.time) / 1000);
  }
  lastReading = {shop: ctx.shop, time: now, events: num(stats.events_total)};
  fill(out, el('div', {class: 'columns'}, modelCard(info), statsCard(stats, rate)));
}

export const modelView = {
  id: 'model',
  title: 'Model',
  render(ctx, root) {
    const out = el('div', {class: 'result'});
    const train = el('button', {type: 'button', onclick: () => ctx.run(async () => {
      train.disabled = true;
      try {
        await call('AdminService', 'TrainModel', {shop: ctx.shop});
        await show(ctx, out);
      } finally {
        train.disabled = false;
      }
    })}, 'Train now');
    fill(root, el('h2', {}, 'Model'),
                         el('div', {class: 'toolbar'},
                            el('button', {type: 'button', onclick: () => ctx.run(() => show(ctx, out))},
                               'Refresh'), train),
                         out);
    ctx.run(() => show(ctx, out));
  },
};
