// The applicant's page: upload a face photo, attachments and a bundle; follow each file to its verdict through
// the events stream; show every finding in the chosen language with its code; draw the photo's measurements.
import {
  Problem, api, credentials, element, followEvents, language, megabytes, remember, translate, wireToggle,
} from "./common.js";

const strings = {
  ja: {
    title: "書類の提出 — Intake",
    heading: "在留申請 書類の提出",
    signinHeading: "提出に使う情報",
    signinHint: "窓口で受け取ったリンクから開くと、この欄は自動で入ります。",
    tokenLabel: "アクセス用トークン",
    applicationLabel: "申請番号",
    signinButton: "開始",
    totalLabel: "受理済みの合計サイズ",
    totalHint: "申請全体の上限（顔写真と添付書類の合計）に対する、受理されたファイルの合計です。",
    photoHeading: "顔写真",
    photoHint: (low, high) => `縦 4 : 横 3、顔（頭頂から顎まで）が写真の高さの ${low}〜${high} %。JPEG または PNG。`,
    attachmentHeading: "添付書類",
    attachmentHint: "PDF を 1 書類 1 ファイルで。パスワードや印刷・コピーの制限は外してください。",
    bundleHeading: "まとめた PDF",
    bundleHint: "複数の書類を 1 つにまとめた PDF。しおり（目次）ごとに書類に分けて確認します。",
    pickPhoto: "写真を選ぶか、ここにドロップ",
    pickMany: "PDF を選ぶか、ここにドロップ（複数可）",
    pickBundle: "PDF を選ぶか、ここにドロップ",
    sending: "送信中",
    queued: "検査待ち",
    processing: "検査中",
    accepted: "受理",
    rejected: "不受理",
    failed: "処理できませんでした",
    refused: "受付できません",
    sent: "送信",
    failedHint: "システム側の問題で検査できませんでした。時間をおいて、もう一度送ってください。",
    networkError: "送信できませんでした。通信状態を確認して、もう一度送ってください。",
    itemsCaption: "分割された書類",
    itemTitle: "書類名",
    itemPages: "ページ",
    itemVerdict: "判定",
    pages: (first, last) => (first === last ? `${first}` : `${first}〜${last}`),
    of: (used, limit) => `${used} / ${limit}`,
    legendBand: "頭頂・顎の許される位置",
    legendCentre: "顔の中心の許される範囲",
    legendEyes: "目の高さの許される範囲",
    legendMeasured: "測定した頭頂・顎・目の線",
    crown: "頭頂",
    chin: "顎",
    eyes: "目",
    headHeight: (measured, low, high) =>
      `顔の高さ（頭頂から顎）: 写真の高さの ${measured} %。規定は ${low}〜${high} % です。`,
    noFace: "顔を測定できなかったため、線は描いていません。",
    photoAlt: "提出した顔写真と、測定した線・規定の範囲",
    refreshFailed: "申請の状態を読み込めませんでした。",
  },
  en: {
    title: "Submit documents — Intake",
    heading: "Residence application: documents",
    signinHeading: "Your submission details",
    signinHint: "Opened from the link the office sent you, these fields fill themselves.",
    tokenLabel: "Access token",
    applicationLabel: "Application",
    signinButton: "Start",
    totalLabel: "Accepted so far",
    totalHint: "The accepted files' total against the application's limit (photo and attachments together).",
    photoHeading: "Face photo",
    photoHint: (low, high) => `3 wide by 4 high, the head (crown to chin) ${low}–${high} % of the height. JPEG or PNG.`,
    attachmentHeading: "Attachments",
    attachmentHint: "One PDF per document, without a password or a print or copy restriction.",
    bundleHeading: "Combined PDF",
    bundleHint: "Several documents in one PDF: it is split at its bookmarks and each part is checked.",
    pickPhoto: "Choose a photo or drop it here",
    pickMany: "Choose PDFs or drop them here (several at once)",
    pickBundle: "Choose a PDF or drop it here",
    sending: "Sending",
    queued: "Waiting for checks",
    processing: "Checking",
    accepted: "Accepted",
    rejected: "Not accepted",
    failed: "Could not be checked",
    refused: "Refused",
    sent: "sent",
    failedHint: "A problem on our side stopped the checks. Please send the file again later.",
    networkError: "The file could not be sent. Check your connection and send it again.",
    itemsCaption: "Documents found in the PDF",
    itemTitle: "Document",
    itemPages: "Pages",
    itemVerdict: "Verdict",
    pages: (first, last) => (first === last ? `${first}` : `${first}–${last}`),
    of: (used, limit) => `${used} of ${limit}`,
    legendBand: "Where the crown and chin may be",
    legendCentre: "Where the face's centre may be",
    legendEyes: "Where the eyes may be",
    legendMeasured: "Measured crown, chin and eye line",
    crown: "crown",
    chin: "chin",
    eyes: "eyes",
    headHeight: (measured, low, high) =>
      `Head height (crown to chin): ${measured} % of the photo's height; it must be ${low}–${high} %.`,
    noFace: "No face could be measured, so no lines are drawn.",
    photoAlt: "Your face photo with the measured lines and the allowed bands",
    refreshFailed: "The application's state could not be loaded.",
  },
};
const t = (key) => strings[language.current][key];

const { token, application } = credentials("applicant", ["token", "application"]);
const uploads = new Map();
let localCount = 0;
let following = false;
let totals = null;
let policy = null;

function start() {
  wireToggle();
  language.listeners.push(() => renderAll());
  translate(strings, language.current);
  if (!token || !application) {
    document.getElementById("signin").hidden = false;
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      remember("applicant", "token", document.getElementById("signin-token").value.trim());
      remember("applicant", "application", document.getElementById("signin-application").value.trim());
      location.reload();
    });
    return;
  }
  document.getElementById("workspace").hidden = false;
  document.getElementById("application-id").textContent = application;
  for (const slot of ["photo", "attachment", "bundle"]) wireSlot(slot);
  refreshApplication().then((exists) => {
    if (exists) follow();
  });
  // The rules in force, so the photo's hint names the head height the photo rules will hold it to.
  api(token, "/v1/policy")
    .then((found) => {
      policy = found;
      renderHints();
    })
    .catch(() => {});
}

function renderHints() {
  const range = policy && policy.photo && policy.photo.head_height;
  const hint = document.getElementById("photo-hint");
  hint.textContent = range ? t("photoHint")(Math.round(range[0] * 100), Math.round(range[1] * 100)) : "";
}

function wireSlot(slot) {
  const input = document.getElementById(`input-${slot}`);
  const zone = input.closest(".drop");
  input.addEventListener("change", () => {
    for (const file of input.files) send(slot, file);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = [...event.dataTransfer.files];
    for (const file of slot === "attachment" ? files : files.slice(0, 1)) send(slot, file);
  });
}

/// A random Idempotency-Key: a retry of the same request cannot store the file twice. getRandomValues works on
/// plain http too, where randomUUID does not.
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/// One file, one raw request (no multipart), sent with XMLHttpRequest: fetch cannot report upload progress.
function send(slot, file) {
  const record = { key: `local-${++localCount}`, slot, file: file.name, bytes: file.size, progress: 0 };
  record.state = "sending";
  uploads.set(record.key, record);
  render(record);
  const request = new XMLHttpRequest();
  request.open("POST", `/v1/applications/${encodeURIComponent(application)}/uploads?slot=${slot}`);
  request.setRequestHeader("Authorization", `Bearer ${token}`);
  request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
  request.setRequestHeader("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
  request.setRequestHeader("Idempotency-Key", idempotencyKey());
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    record.progress = event.loaded / event.total;
    render(record);
  });
  request.addEventListener("load", () => {
    let body = null;
    try {
      body = JSON.parse(request.responseText);
    } catch (error) {
      body = null;
    }
    if (request.status >= 200 && request.status < 300 && body) {
      const id = body.duplicate_of || body.upload;
      uploads.delete(record.key);
      const existing = uploads.get(id);
      if (existing) {
        record.element.remove();
        render(existing);
      } else {
        record.id = id;
        record.state = "queued";
        uploads.set(id, record);
        render(record);
      }
      follow();
    } else {
      record.state = "refused";
      record.problem = new Problem(request.status, body);
      render(record);
    }
  });
  request.addEventListener("error", () => {
    record.state = "refused";
    record.problem = null;
    record.networkError = true;
    render(record);
  });
  request.send(file);
}

function follow() {
  if (following) return;
  following = true;
  followEvents(token, `/v1/applications/${encodeURIComponent(application)}/events`, (kind, data) => {
    if (kind.startsWith("upload.") && data.id) update(data);
    scheduleRefresh();
  });
}

/// An upload as the API shows it (from the events stream): its card, made if this page did not send it.
function update(resource) {
  let record = uploads.get(resource.id);
  if (!record) {
    const slot = resource.slot === "photo" ? "photo" : resource.bundle ? "bundle" : "attachment";
    record = { key: resource.id, id: resource.id, slot, file: resource.file, bytes: resource.bytes, progress: 1 };
    uploads.set(resource.id, record);
  }
  record.resource = resource;
  record.state = resource.state;
  render(record);
  if (record.slot === "photo" && ["accepted", "rejected"].includes(resource.state) && !record.figureLoading) {
    record.figureLoading = true;
    loadFigure(record);
  }
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshApplication, 250);
}

/// The application's totals against its limit; false when it does not exist yet (nothing sent).
async function refreshApplication() {
  try {
    const report = await api(token, `/v1/applications/${encodeURIComponent(application)}`);
    totals = report.totals;
    document.getElementById("receipt").textContent = report.receipt ? `(${report.receipt})` : "";
    renderTotals();
    return true;
  } catch (error) {
    if (error instanceof Problem && error.status === 404) {
      totals = null;
      renderTotals();
      return false;
    }
    const box = document.getElementById("page-error");
    box.textContent = error instanceof Problem ? error.text(language.current) : t("refreshFailed");
    box.hidden = false;
    return false;
  }
}

function renderTotals() {
  const used = totals ? totals.accepted_bytes : 0;
  const limit = totals ? totals.total_limit_bytes : 25_000_000;
  const share = limit > 0 ? used / limit : 0;
  const fill = document.getElementById("total-fill");
  fill.style.width = `${Math.min(100, share * 100)}%`;
  fill.className = `fill${share > 1 ? " over" : share > 0.8 ? " near" : ""}`;
  const meter = document.getElementById("total-meter");
  meter.setAttribute("aria-valuemax", String(limit));
  meter.setAttribute("aria-valuenow", String(used));
  const text = t("of")(megabytes(used, language.current), megabytes(limit, language.current));
  meter.setAttribute("aria-valuetext", text);
  document.getElementById("total-text").textContent = text;
}

function renderAll() {
  translate(strings, language.current);
  renderHints();
  renderTotals();
  for (const record of new Set(uploads.values())) render(record);
}

function findingList(findings) {
  if (!findings || !findings.length) return null;
  return element(
    "ul",
    { class: "findings" },
    findings.map((finding) =>
      element(
        "li",
        { class: finding.severity === "warning" ? "warning" : "error" },
        element("p", { lang: language.current }, finding.message[language.current] || finding.message.en),
        element("code", { class: "code", lang: "en" }, finding.code),
      ),
    ),
  );
}

function render(record) {
  const list = document.getElementById(`list-${record.slot}`);
  if (!record.element) {
    record.element = element("li", { "data-upload": record.id || record.key });
    list.prepend(record.element);
  }
  const node = record.element;
  if (record.id) node.dataset.upload = record.id;
  node.dataset.state = record.state;
  const children = [
    element(
      "div",
      { class: "upload-head" },
      element("span", { class: "file-name" }, record.file),
      element("span", { class: `state ${record.state}` }, t(record.state)),
    ),
    element("div", { class: "muted" }, megabytes(record.bytes, language.current)),
  ];
  if (record.state === "sending") {
    children.push(
      element("progress", {
        max: "100", value: String(Math.round(record.progress * 100)), "aria-label": `${record.file} ${t("sending")}`,
      }),
    );
  }
  if (record.state === "refused") {
    if (record.problem && record.problem.body && record.problem.body.message) {
      children.push(findingList([{ code: record.problem.body.code, severity: "error", message: record.problem.body.message }]));
    } else {
      children.push(findingList([{ code: record.problem ? record.problem.message : "network", severity: "error", message: { ja: strings.ja.networkError, en: strings.en.networkError } }]));
    }
  }
  if (record.state === "failed") {
    children.push(findingList([{ code: "upload.failed", severity: "error", message: { ja: strings.ja.failedHint, en: strings.en.failedHint } }]));
  }
  const items = record.resource ? record.resource.items : [];
  if (record.slot === "bundle" && items.length) {
    children.push(itemsTable(items));
  } else if (items.length) {
    children.push(findingList(items.flatMap((item) => item.findings)));
  }
  if (record.figure) children.push(figure(record));
  node.replaceChildren(...children.filter(Boolean));
}

function itemsTable(items) {
  return element(
    "div",
    { class: "table-wrap" },
    element(
      "table",
      { class: "items" },
      element("caption", { class: "visually-hidden" }, t("itemsCaption")),
      element(
        "thead",
        {},
        element(
          "tr",
          {},
          element("th", { scope: "col" }, t("itemPages")),
          element("th", { scope: "col" }, t("itemTitle")),
          element("th", { scope: "col" }, t("itemVerdict")),
        ),
      ),
      element(
        "tbody",
        {},
        items.map((item) =>
          element(
            "tr",
            { "data-item": item.id },
            element("td", { class: "n" }, item.pages ? t("pages")(item.pages[0], item.pages[1]) : "—"),
            element("td", {}, element("div", { class: "item-title" }, item.title), findingList(item.findings)),
            element(
              "td",
              {},
              element("span", { class: `state ${item.verdict || "queued"}` }, t(item.verdict || "queued")),
            ),
          ),
        ),
      ),
    ),
  );
}

/// The photo's geometry and its bytes, fetched with the token; the picture is shown from a blob: URL.
async function loadFigure(record) {
  try {
    const geometry = await api(token, `/v1/uploads/${encodeURIComponent(record.id)}/photo`);
    const response = await fetch(`/v1/uploads/${encodeURIComponent(record.id)}/photo/image`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) return;
    record.figure = { geometry, url: URL.createObjectURL(await response.blob()) };
    render(record);
  } catch (error) {
    // No geometry (the photo could not be decoded): the findings say why, and there is nothing to draw.
  }
}

const SVG = "http://www.w3.org/2000/svg";
function svg(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/// The photo, the allowed bands (crown and chin for this crown, the centre, the eye line) and the measured lines.
function figure(record) {
  const { geometry: g, url } = record.figure;
  const { width: w, height: h } = g;
  const stroke = Math.max(2, h * 0.006);
  const font = Math.max(12, h * 0.032);
  const picture = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("photoAlt"), class: "photo-figure" });
  picture.append(svg("image", { href: url, x: 0, y: 0, width: w, height: h }));
  const band = (y0, y1, fill, name) =>
    svg("rect", {
      x: 0, y: y0, width: w, height: Math.max(1, y1 - y0), fill, "fill-opacity": 0.22, stroke: fill,
      "stroke-width": Math.max(1, h * 0.002), "stroke-dasharray": `${h * 0.01} ${h * 0.006}`, "data-band": name,
    });
  const b = g.bands;
  picture.append(
    svg("rect", {
      x: b.center.from, y: 0, width: b.center.to - b.center.from, height: h, fill: "#2962ff", "fill-opacity": 0.18,
      "data-band": "center",
    }),
  );
  picture.append(band(b.crown.from, b.crown.to, "#1b7f3b", "crown"));
  if (b.chin) picture.append(band(b.chin.from, b.chin.to, "#1b7f3b", "chin"));
  picture.append(band(b.eye_line.from, b.eye_line.to, "#f5a623", "eye_line"));
  let caption = t("noFace");
  if (g.face) {
    const f = g.face;
    const line = (y, colour, label, name) => {
      picture.append(svg("line", { x1: 0, y1: y, x2: w, y2: y, stroke: colour, "stroke-width": stroke, "data-line": name }));
      picture.append(
        svg("text", {
          x: w - stroke * 2, y: y - stroke * 2, "text-anchor": "end", "font-size": font, fill: colour,
          stroke: "#fff", "stroke-width": font * 0.12, "paint-order": "stroke",
        }, label),
      );
    };
    line(f.crown_y, "#e0218a", t("crown"), "crown");
    line(f.chin_y, "#e0218a", t("chin"), "chin");
    line(f.eye_y, "#c77c00", t("eyes"), "eyes");
    picture.append(
      svg("line", {
        x1: f.center_x, y1: f.crown_y, x2: f.center_x, y2: f.chin_y, stroke: "#2962ff", "stroke-width": stroke,
        "stroke-dasharray": `${stroke * 3} ${stroke * 2}`, "data-line": "center",
      }),
    );
    for (const eye of [f.left_eye, f.right_eye]) {
      picture.append(svg("circle", { cx: eye.x, cy: eye.y, r: stroke * 1.5, fill: "#c77c00" }));
    }
    const percent = (pixels) => Math.round((pixels / h) * 100);
    caption = t("headHeight")(
      percent(f.chin_y - f.crown_y),
      b.chin ? percent(b.chin.from - f.crown_y) : "?",
      b.chin ? percent(b.chin.to - f.crown_y) : "?",
    );
  }
  const legend = element(
    "ul",
    { class: "legend" },
    [
      ["band", "legendBand"], ["centre", "legendCentre"], ["eyes", "legendEyes"], ["measured", "legendMeasured"],
    ].map(([swatch, key]) => element("li", {}, element("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), t(key))),
  );
  return element("figure", { class: "photo" }, picture, element("figcaption", {}, caption, legend));
}

start();
