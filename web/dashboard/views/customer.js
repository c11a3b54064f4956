// Customer lookup: attributes and consents, derived statistics, segments,
// recent events, and the live recommendations of every web placement with
// their reasons (one RecommendPage call per ten placements, duplicates
// allowed so each placement shows what it alone would answer).
import {call, num} from '../api.js';
import {card, dateTime, decimal, el, fill, facts, integer, message, table} from '../format.js';

const PAGE_LIMIT = 10;  // placements per RecommendPage call

function consentText(value, fallback) {
  if (value === true) return 'given';
  if (value === false) return 'withdrawn';
  return fallback;
}

function profileCard(profile) {
  const c = profile.customer || {};
  const s = profile.stats || {};
  const consents = c.consents || {};
  const prefs = c.preferences || {};
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  return card('Profile',
    facts([
      ['Customer', c.id || null], ['Session', profile.session_id || null], ['Name', name || null],
      ['Email', c.email || null], ['Locale', c.locale || null],
      ['Country', [c.city, c.country].filter(Boolean).join(', ') || null],
      ['Orders', integer(s.frequency)], ['Spend', decimal(s.monetary)],
      ['Average order', decimal(s.average_order_value)],
      ['Days since purchase', num(s.recency_days) < 0 ? 'never bought' : decimal(s.recency_days, 1)],
      ['First seen', dateTime(s.first_seen_time_ms)], ['Last seen', dateTime(s.last_seen_time_ms)],
      ['Returns', integer(s.lifetime_returns)],
      ['Events stored', integer(profile.stored_events)],
    ], {'data-test': 'profile'}),
    el('h4', {}, 'Consents'),
    facts([
      ['Personalization', consentText(consents.personalization, 'not asked (server default)')],
      ['Email marketing', consentText(consents.email_marketing, 'not given')],
      ['Changed', num(consents.updated_time_ms) > 0 ? dateTime(consents.updated_time_ms) : null],
    ], {'data-test': 'consents'}),
    (prefs.categories || []).length + (prefs.brands || []).length > 0
      ? facts([['Likes categories', (prefs.categories || []).join(', ') || null],
               ['Likes brands', (prefs.brands || []).join(', ') || null]])
      : null,
    (s.category_affinities || []).length > 0
      ? table(['Category', 'Share'], s.category_affinities.map(
          (a) => [a.category, `${(num(a.share) * 100).toFixed(0)}%`]), {class: 'compact'})
      : null);
}

function segmentsCard(segments) {
  if (segments === null) return card('Segments', message('No segments (not a known customer).'));
  const rfm = segments.rfm || {};
  return card('Segments',
    facts([['Stage', segments.stage || '-'],
           ['RFM', rfm.group ? `${rfm.group} (R${rfm.recency ?? 0} F${rfm.frequency ?? 0} ` +
                               `M${rfm.monetary ?? 0})` : 'no purchases'],
           // -1 is "none"; the JSON mapping leaves out persona 0.
           ['Persona', num(segments.persona) >= 0 ? `persona:${num(segments.persona)}` : 'none']]),
    el('ul', {class: 'chips', 'data-test': 'segments'},
       (segments.segments || []).map((s) => el('li', {}, s))));
}

function eventsCard(profile) {
  const events = profile.recent_events || [];
  if (events.length === 0) return card('Recent events', message('No events stored.'));
  const rows = events.map((stored) => {
    const e = stored.event || {};
    const items = (e.items || []).map((i) => i.item_id + (num(i.quantity) > 1 ? ` x${i.quantity}` : ''));
    // Large orders list their first items only.
    const listed = items.length > 8 ? `${items.slice(0, 8).join(', ')} and ${items.length - 8} more`
                                    : items.join(', ');
    return [dateTime(e.timestamp_ms || stored.received_time_ms), e.type || '-', listed,
            num(e.value) ? decimal(e.value) : '', e.channel || '', e.recommendation_id ? 'yes' : ''];
  });
  return card('Recent events',
              table(['Time', 'Type', 'Items', 'Value', 'Channel', 'From a recommendation'], rows,
                    {'data-test': 'events'}));
}

function recommendationCard(answer) {
  const items = answer.items || [];
  const badges = (r) => [r.fallback ? 'fallback' : null, r.pinned ? 'pinned' : null,
                         r.promoted ? 'promoted' : null, r.boosted ? 'boosted' : null]
                          .filter(Boolean).join(' ');
  return el('section', {class: 'card recs', 'data-placement': answer.placement},
    el('h3', {}, answer.placement,
       el('span', {class: 'muted'}, ` variant ${answer.variant || '-'} · ${answer.model_version || ''}` +
                                    (answer.personalized ? ' · personalised' : ' · not personalised'))),
    items.length === 0 ? message('Nothing to recommend here.')
      : el('ol', {class: 'rec-list'}, items.map((r) => el('li', {class: 'rec'},
          el('span', {class: 'title'}, (r.item || {}).title || (r.item || {}).id),
          el('span', {class: 'muted'}, ` ${(r.item || {}).id} · score ${decimal(r.score, 3)}`),
          el('span', {class: 'reason', 'data-reason-code': r.reason_code || ''},
             r.reason || r.reason_code || ''),
          el('span', {class: 'muted'}, ` ${r.source || ''} ${badges(r)}`)))));
}

async function recommendations(shop, subject, placements) {
  const answers = [];
  for (let i = 0; i < placements.length; i += PAGE_LIMIT) {
    const page = await call('RecommendService', 'RecommendPage', {
      shop, ...subject, allow_duplicates: true,
      placements: placements.slice(i, i + PAGE_LIMIT).map((p) => ({placement: p, count: 5})),
    });
    answers.push(...(page.placements || []));
  }
  return answers;
}

// Web placements: not email campaigns, not RankItems' "rank", not aliases.
function webPlacements(list, includeEmail) {
  return list.map((p) => p.name).filter((n) => n !== 'rank' && n !== 'post-purchase' &&
                                              (includeEmail || !n.startsWith('email_')));
}

async function lookUp(ctx, out, kind, id, includeEmail) {
  fill(out, message(`Looking up ${id}...`));
  const subject = kind === 'session' ? {session_id: id} : {customer_id: id};
  const [profile, segments, placements] = await Promise.all([
    call('CustomerService', 'GetProfile', {shop: ctx.shop, ...subject, recent_events: 20})
      .catch((e) => { if (e.code === 'NOT_FOUND') return null; throw e; }),
    kind === 'session' ? Promise.resolve(null)
      : call('SegmentService', 'GetCustomerSegments', {shop: ctx.shop, customer_id: id})
          .catch((e) => { if (e.code === 'NOT_FOUND') return null; throw e; }),
    call('AdminService', 'ListPlacements', {shop: ctx.shop}),
  ]);
  const answers = await recommendations(ctx.shop, subject,
                                        webPlacements(placements.placements || [], includeEmail));
  fill(out, profile === null ? message(`Nothing is known of ${kind} ${id}: recommendations below are ` +
                               'cold-start.', 'warn') : null,
    el('div', {class: 'columns'}, profile ? profileCard(profile) : null, segmentsCard(segments)),
    profile ? eventsCard(profile) : null,
    el('h2', {}, 'Live recommendations per placement'),
    el('div', {class: 'grid', 'data-test': 'recommendations'}, answers.map(recommendationCard)));
}

export const customerView = {
  id: 'customer',
  title: 'Customer',
  render(ctx, root, param) {
    const id = el('input', {name: 'id', placeholder: 'customer or session id', required: true,
                            value: param || '', 'data-test': 'customer-id'});
    const kind = el('select', {name: 'kind'}, el('option', {value: 'customer'}, 'customer'),
                    el('option', {value: 'session'}, 'session'));
    const email = el('input', {type: 'checkbox', name: 'email'});
    const out = el('div', {class: 'result'});
    const form = el('form', {class: 'toolbar', onsubmit: (event) => {
      event.preventDefault();
      ctx.setParam(id.value.trim());
      ctx.run(() => lookUp(ctx, out, kind.value, id.value.trim(), email.checked));
    }}, kind, id, el('label', {}, email, ' email placements too'),
        el('button', {type: 'submit'}, 'Look up'));
    fill(root, el('h2', {}, 'Customer lookup'), form, out);
    if (param) form.requestSubmit();
  },
};
