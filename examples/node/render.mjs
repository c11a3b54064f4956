// Turns a page view's recommendation blocks into the shop's markup. Stands
// in for the shop's own templates; every value from the catalog is escaped.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function formatPrice(item) {
  const price = Number(item.price ?? 0).toFixed(2);
  return item.currency ? `${price} ${item.currency}` : price;
}

// Returns one <section> per non-empty block. Each link carries the block's
// recommendation id and the item's id, which the shop's click handler sends
// back as a RECOMMENDATION_CLICK.
export function renderPage(visit) {
  return visit.placements.filter((b) => b.items.length > 0).map((block) => {
    const items = block.items.map(({ item, reason }) => `    <li>
      <a href="${escapeHtml(item.url || '#')}" data-item-id="${escapeHtml(item.id)}" data-recommendation-id="${escapeHtml(block.recommendation_id)}">
        ${item.image_url ? `<img src="${escapeHtml(item.image_url)}" alt="">` : ''}
        <span class="title">${escapeHtml(item.title || item.id)}</span>
        <span class="price">${escapeHtml(formatPrice(item))}</span>
      </a>
      <small class="reason">${escapeHtml(reason)}</small>
    </li>`).join('\n');
    return `<section class="recommendations" data-placement="${escapeHtml(block.placement)}">
  <h2>${escapeHtml(block.title)}</h2>
  <ul>
${items}
  </ul>
</section>`;
  }).join('\n');
}

// Returns the blocks as plain text, one item per line with its reason.
export function renderText(visit) {
  const lines = [];
  for (const block of visit.placements) {
    lines.push(`${block.title} (${block.placement}, variant ${block.variant}, ${block.recommendation_id})`);
    if (block.items.length === 0) lines.push('  (nothing to show)');
    block.items.forEach(({ item, reason }, i) => {
      lines.push(`  ${i + 1}. ${item.title || item.id} [${item.id}] ${formatPrice(item)} - ${reason}`);
    });
  }
  if (visit.placements.length === 0) lines.push('(no recommendations: the page is shown without them)');
  for (const t of visit.tracked) {
    lines.push(`tracked ${t.type} ${t.item_ids.join(',') || '(no items)'} as ${t.event_id}`);
  }
  return lines.join('\n');
}
