// What both pages share: the token from the URL fragment, calls to the /v1 API on this host, the language switch,
// and a Server-Sent Events reader. Plain ES modules, no build step, nothing fetched from any other host.

/// Reads `#token=…&application=…` once into sessionStorage and takes the fragment off the address bar, so the token
/// never reaches a server log, the history list or a shared link; later loads read sessionStorage. Each page keeps
/// its own (`page`), so an admin token never stands in for an applicant's.
export function credentials(page, keys) {
  const fragment = new URLSearchParams(location.hash.slice(1));
  let found = false;
  for (const key of keys) {
    const value = fragment.get(key);
    if (value) {
      sessionStorage.setItem(`intake.${page}.${key}`, value);
      found = true;
    }
  }
  if (found) history.replaceState(null, "", location.pathname + location.search);
  return Object.fromEntries(keys.map((key) => [key, sessionStorage.getItem(`intake.${page}.${key}`) || ""]));
}

export function remember(page, key, value) {
  sessionStorage.setItem(`intake.${page}.${key}`, value);
}

/// A failed call: the problem+json body when there is one (its `code` and `message`), else the status alone.
export class Problem extends Error {
  constructor(status, body) {
    super(body && body.code ? body.code : `HTTP ${status}`);
    this.status = status;
    this.body = body || null;
  }
  text(lang) {
    if (this.body && this.body.message) return this.body.message[lang] || this.body.message.en;
    return this.message;
  }
}

/// A JSON call to the API with the bearer token; throws `Problem` on anything but 2xx.
export async function api(token, path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Authorization: `Bearer ${token}`, Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  if (response.status === 204) return null;
  return accept === "application/json" ? response.json() : response.text();
}

/// The language in force: `?lang=en`, else Japanese. `switchLanguage` changes it in place (the address too), so
/// what is on screen stays and only its words change.
export const language = {
  current: new URLSearchParams(location.search).get("lang") === "en" ? "en" : "ja",
  listeners: [],
  set(lang) {
    this.current = lang;
    document.documentElement.lang = lang;
    const query = new URLSearchParams(location.search);
    if (lang === "ja") query.delete("lang");
    else query.set("lang", lang);
    const search = query.toString();
    history.replaceState(null, "", location.pathname + (search ? `?${search}` : ""));
    for (const listener of this.listeners) listener(lang);
  },
};

/// Fills every `[data-i18n]` element from `strings[lang]` and labels the toggle with the other language.
export function translate(strings, lang) {
  for (const element of document.querySelectorAll("[data-i18n]")) {
    const text = strings[lang][element.dataset.i18n];
    if (text !== undefined) element.textContent = text;
  }
  for (const element of document.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = strings[lang][element.dataset.i18nPlaceholder] || "";
  }
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = lang === "ja" ? "English" : "日本語";
  toggle.lang = lang === "ja" ? "en" : "ja";
  toggle.setAttribute("aria-label", lang === "ja" ? "Switch to English" : "日本語に切り替える");
  document.title = strings[lang].title;
}

export function wireToggle() {
  document.getElementById("lang-toggle").addEventListener("click", () => {
    language.set(language.current === "ja" ? "en" : "ja");
  });
}

/// `12.3 MB`, in the decimal units the limits are written in.
export function megabytes(bytes, lang) {
  const format = new Intl.NumberFormat(lang === "ja" ? "ja-JP" : "en-GB", { maximumFractionDigits: 1 });
  if (bytes < 1_000_000) return `${format.format(bytes / 1000)} kB`;
  return `${format.format(bytes / 1_000_000)} MB`;
}

/// An element with children: `element("li", { class: "x" }, "text", child)`. Text is always set as text, never as
/// HTML, so nothing an uploader named a file can become markup.
export function element(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Follows `path` as Server-Sent Events with the bearer token (EventSource cannot send one), resuming after the
/// last event id on every reconnect, as the API's `Last-Event-ID` allows. `onEvent(kind, data)` for each message;
/// a 404 (no application yet) is retried quietly.
export async function followEvents(token, path, onEvent) {
  let last = "0";
  for (;;) {
    try {
      const response = await fetch(path, {
        headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream", "Last-Event-ID": last },
      });
      if (response.ok) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message = { id: null, event: "message", data: [] };
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) continue;
              const colon = line.indexOf(":");
              const field = colon < 0 ? line : line.slice(0, colon);
              const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
              if (field === "id") message.id = text;
              else if (field === "event") message.event = text;
              else if (field === "data") message.data.push(text);
            }
            if (message.id) last = message.id;
            if (message.data.length) onEvent(message.event, JSON.parse(message.data.join("\n")));
          }
        }
      }
    } catch (error) {
      // The stream broke (the server restarted, the phone changed networks): reconnect below.
    }
    await sleep(1000);
  }
}
