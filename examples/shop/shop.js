// The sample shop's own code: a static catalog, a cart kept in localStorage
// and a pretend sign-in. None of it knows about Persona except two lines: the
// sign-in calls persona.identify and the checkout calls persona.purchase. Add
// and remove buttons only carry data-persona-* attributes.
(function () {
  'use strict';

  var CART_KEY = 'shop_cart';
  var params = new URLSearchParams(window.location.search);

  function cart() {
    try { return JSON.parse(localStorage.getItem(CART_KEY)) || []; } catch (e) { return []; }
  }

  function saveCart(lines) {
    localStorage.setItem(CART_KEY, JSON.stringify(lines));
    updateCartCount();
  }

  function updateCartCount() {
    var count = cart().reduce(function (n, line) { return n + line.quantity; }, 0);
    var badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(count);
  }

  function money(value) {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(value);
  }

  function loadCatalog() {
    return fetch('catalog.json').then(function (r) { return r.json(); })
      .then(function (c) { return c.items; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function productCard(item) {
    var card = el('a', 'card');
    card.href = item.url;
    var img = el('img');
    img.src = item.image_url;
    img.alt = item.title;
    card.appendChild(img);
    card.appendChild(el('span', 'title', item.title));
    card.appendChild(el('span', 'price', money(item.price)));
    return card;
  }

  function addToCart(id, price) {
    var lines = cart();
    var line = lines.filter(function (l) { return l.id === id; })[0];
    if (line) line.quantity += 1;
    else lines.push({ id: id, quantity: 1, price: price });
    saveCart(lines);
  }

  // Home: every product.
  function home(items) {
    var grid = document.getElementById('products');
    items.forEach(function (item) { grid.appendChild(productCard(item)); });
  }

  // Product page: the item named by ?id=.
  function product(items) {
    var id = params.get('id');
    var item = items.filter(function (i) { return i.id === id; })[0];
    var box = document.getElementById('product');
    if (!item) { box.textContent = 'No such product.'; return; }
    document.title = item.title + ' - Hearth & Home';
    box.querySelector('img').src = item.image_url;
    box.querySelector('h1').textContent = item.title;
    box.querySelector('.brand').textContent = item.brand;
    box.querySelector('.price').textContent = money(item.price);
    var button = box.querySelector('button');
    button.setAttribute('data-persona-add-to-cart', item.id);
    button.setAttribute('data-persona-price', String(item.price));
    button.disabled = false;
    button.addEventListener('click', function () {
      addToCart(item.id, item.price);
      button.textContent = 'Added';
    });
  }

  // Cart page: the lines, remove buttons, checkout.
  function cartPage(items) {
    var byId = {};
    items.forEach(function (i) { byId[i.id] = i; });
    var list = document.getElementById('cart-lines');
    list.textContent = '';
    var total = 0;
    cart().forEach(function (line) {
      var item = byId[line.id];
      if (!item) return;
      total += line.quantity * item.price;
      var row = el('li', 'line');
      row.appendChild(el('span', 'title', item.title + ' x ' + line.quantity));
      row.appendChild(el('span', 'price', money(line.quantity * item.price)));
      var remove = el('button', 'remove', 'Remove');
      remove.setAttribute('data-persona-remove-from-cart', item.id);
      remove.setAttribute('data-persona-quantity', String(line.quantity));
      remove.addEventListener('click', function () {
        saveCart(cart().filter(function (l) { return l.id !== line.id; }));
        cartPage(items);
      });
      row.appendChild(remove);
      list.appendChild(row);
    });
    document.getElementById('cart-total').textContent = money(total);
  }

  function wireCheckout() {
    var checkout = document.getElementById('checkout');
    checkout.addEventListener('click', function () {
      var lines = cart();
      if (!lines.length) return;
      var order = 'o-' + Date.now().toString(36);
      if (window.persona && window.persona.purchase) window.persona.purchase(order, lines);
      saveCart([]);
      document.getElementById('cart-lines').textContent = '';
      document.getElementById('message').textContent = 'Thank you! Order ' + order + ' is on its way.';
    });
    document.getElementById('sign-in').addEventListener('submit', function (event) {
      event.preventDefault();
      var customer = document.getElementById('customer').value.trim();
      if (!customer) return;
      if (window.persona && window.persona.identify) window.persona.identify(customer);
      document.getElementById('message').textContent = 'Signed in as ' + customer + '.';
    });
  }

  // Runs before persona.js (which is deferred): what the recommendation
  // blocks need from the page is set synchronously here.
  var page = document.body.getAttribute('data-page');
  if (page === 'product' && params.get('id')) {
    document.getElementById('product').setAttribute('data-persona-product', params.get('id'));
  }
  if (page === 'cart') {
    document.getElementById('cart-recs').setAttribute('data-persona-context',
        cart().map(function (l) { return l.id; }).join(','));
    wireCheckout();
  }
  updateCartCount();
  loadCatalog().then(function (items) {
    if (page === 'home') home(items);
    if (page === 'product') product(items);
    if (page === 'cart') cartPage(items);
    document.body.setAttribute('data-ready', 'true');
  });
})();
