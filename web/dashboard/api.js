// Calls Persona's HTTP/JSON API (/api/persona.v1.<Service>/<Method>, same
// origin) with the API key kept in this tab's sessionStorage. Answers are
// protobuf's JSON mapping with the proto field names: 64-bit integers arrive
// as strings and fields at their default value are left out, so readers use
// num() and `?? default`.

const KEY_ITEM = 'persona.dashboard.apiKey';
const SHOP_ITEM = 'persona.dashboard.shop';

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

export function savedShop() {
  return sessionStorage.getItem(SHOP_ITEM) || '';
}

export function saveShop(shop) {
  sessionStorage.setItem(SHOP_ITEM, shop);
}

// A failed call: `code` is the gRPC code name ("NOT_FOUND", ...), `status`
// the HTTP status.
export class ApiError extends Error {
  constructor(method, status, code, message) {
    super(`${method}: ${code}: ${message}`);
    this.method = method;
    this.status = status;
    this.code = code;
    this.detail = message;
  }
}

// Posts `body` to Service/Method and returns the parsed answer; throws
// ApiError for any non-2xx answer or a network failure.
export async function call(service, method, body = {}) {
  const headers = {'content-type': 'application/json'};
  const key = apiKey();
  if (key) headers['x-api-key'] = key;
  const name = `${service}/${method}`;
  let response;
  try {
    response = await fetch(`/api/persona.v1.${name}`, {
      method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(name, 0, 'UNAVAILABLE', `the server cannot be reached (${e.message})`);
  }
  const text = await response.text();
  let parsed = {};
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new ApiError(name, response.status, 'INTERNAL', `not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    throw new ApiError(name, response.status, parsed.code || `HTTP_${response.status}`,
                       parsed.message || text);
  }
  return parsed;
}

// Reads a JSON-mapped number (int64 fields are strings); missing is 0.
export function num(value) {
  if (value === undefined || value === null || value === '') return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
