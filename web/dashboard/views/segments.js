// Segments: every built-in and custom segment with its size at the last
// segment pass (SegmentService.ListSegments), and the sizes of the chosen
// ones per day (GetSegmentHistory) as a chart. "Refresh now" runs a pass.
import {call, num} from '../api.js';
import {lineChart} from '../charts.js';
import {dateTime, dayFromToday, daysBetween, el, fill, integer, message, table} from '../format.js';

const CHARTED = 6;  // segments charted at first: the largest ones

async function chartOf(ctx, names, from, to) {
  if (names.length === 0) return message('Tick segments to chart their sizes.');
  const history = await call('SegmentService', 'GetSegmentHistory',
                             {shop: ctx.shop, segments: names, from_date: from, to_date: to});
  const series = (history.segments || []).map((h) => ({
    name: h.segment, points: new Map((h.points || []).map((p) => [p.date, num(p.size)])),
  }));
  return lineChart({title: 'Segment sizes per day', days: daysBetween(from, to), series,
                    format: (x) => integer(x)});
}

async function show(ctx, out) {
  const listed = await call('SegmentService', 'ListSegments', {shop: ctx.shop});
  const segments = listed.segments || [];
  const chartBox = el('div', {class: 'chart-area'});
  const from = dayFromToday(-29);
  const to = dayFromToday(0);
  const ranked = [...segments].sort((a, b) => num(b.size) - num(a.size));
  const picked = new Set(ranked.filter((s) => num(s.size) > 0).slice(0, CHARTED)
                           .map((s) => s.name));
  const redraw = () => ctx.run(async () => {
    fill(chartBox, await chartOf(ctx, [...picked], from, to));
  });
  const rows = segments.map((s) => {
    const box = el('input', {type: 'checkbox', checked: picked.has(s.name), onchange: (e) => {
      if (e.target.checked) picked.add(s.name); else picked.delete(s.name);
      redraw();
    }});
    // The JSON mapping leaves out a size of 0; -1 means no pass has run.
    const size = num(s.size);
    return [box, s.name, (s.kind || '').toLowerCase(), s.description || s.rule || '',
            el('span', {'data-segment-size': s.name}, size < 0 ? 'not computed' : integer(size)),
            dateTime(s.computed_time_ms)];
  });
  fill(out, chartBox,
    segments.length === 0 ? message('No segments.')
      : table(['Chart', 'Segment', 'Kind', 'Meaning', 'Members', 'Counted'], rows,
              {'data-test': 'segments'}));
  await redraw();
}

export const segmentsView = {
  id: 'segments',
  title: 'Segments',
  render(ctx, root) {
    const out = el('div', {class: 'result'});
    const refresh = el('button', {type: 'button', 'data-test': 'refresh', onclick: () => ctx.run(
      async () => {
        refresh.disabled = true;
        try {
          await call('SegmentService', 'RefreshSegments', {shop: ctx.shop});
          await show(ctx, out);
        } finally {
          refresh.disabled = false;
        }
      })}, 'Refresh now');
    fill(root, el('h2', {}, 'Segments'),
                         el('div', {class: 'toolbar'}, refresh,
                            el('span', {class: 'muted'}, 'Sizes are counted by the segment pass.')),
                         out);
    ctx.run(() => show(ctx, out));
  },
};
