// The admin console: the queue by state, dead jobs and their retry, reprocessing (dry run, then a run with its
// progress), size-limit trials as their HTML report, and recent findings by code. Every call is to /v1/admin.
import { Problem, api, credentials, element, language, remember, translate, wireToggle } from "./common.js";

const strings = {
  ja: {
    title: "管理 — Intake",
    heading: "Intake 管理",
    signinHeading: "管理用トークン",
    tokenLabel: "トークン（scope admin）",
    signinButton: "開始",
    queueHeading: "キュー（状態ごとのジョブ数）",
    deadHeading: "失敗したジョブ（dead）",
    deadEmpty: "失敗したジョブはありません。",
    jobId: "ジョブ",
    attempts: "試行",
    lastError: "最後のエラー",
    action: "操作",
    retry: "再実行",
    retried: (id, state) => `${id}: 再実行 → ${stateName.ja[state] || state}`,
    reprocessHeading: "再判定（reprocess）",
    selection: "対象",
    selectAll: "すべての申請",
    selectApplication: "申請番号",
    selectCode: "所見コード",
    selectSince: "この日以降の提出（YYYY-MM-DD）",
    selectionValue: "値（すべての場合は空欄）",
    dryRun: "試算（dry run）",
    run: "実行",
    drySummary: (examined, changes, policy) =>
      `ポリシー ${policy} で ${examined} 件を確認: 判定が変わるのは ${changes} 件です。`,
    application: "申請",
    file: "ファイル",
    change: "判定の変化",
    codes: "コード",
    runLabel: (done, total, run) => `${run}: ${done} / ${total} 件の申請を再判定済み`,
    trialHeading: "上限の試算（trial）",
    totalLimits: "申請全体の上限の候補（カンマ区切り）",
    fileLimit: "1 ファイルの上限（任意）",
    runTrial: "試算する",
    findingsHeading: "最近の所見（コード別、件数は書類数）",
    period: "期間",
    days7: "7 日",
    days30: "30 日",
    days365: "1 年",
    findingsEmpty: "この期間の所見はありません。",
  },
  en: {
    title: "Admin — Intake",
    heading: "Intake admin",
    signinHeading: "Admin token",
    tokenLabel: "Token (scope admin)",
    signinButton: "Start",
    queueHeading: "Queue: jobs by state",
    deadHeading: "Dead jobs",
    deadEmpty: "No dead jobs.",
    jobId: "Job",
    attempts: "Attempts",
    lastError: "Last error",
    action: "Action",
    retry: "Retry",
    retried: (id, state) => `${id}: retried → ${stateName.en[state] || state}`,
    reprocessHeading: "Reprocess",
    selection: "Select",
    selectAll: "Every application",
    selectApplication: "Application id",
    selectCode: "Finding code",
    selectSince: "Uploaded since (YYYY-MM-DD)",
    selectionValue: "Value (empty for every application)",
    dryRun: "Dry run",
    run: "Run",
    drySummary: (examined, changes, policy) =>
      `${examined} items examined under policy ${policy}: ${changes} would change verdict.`,
    application: "Application",
    file: "File",
    change: "Verdict change",
    codes: "Codes",
    runLabel: (done, total, run) => `${run}: ${done} of ${total} applications reprocessed`,
    trialHeading: "Size-limit trial",
    totalLimits: "Candidate application limits (comma-separated)",
    fileLimit: "File limit (optional)",
    runTrial: "Run the trial",
    findingsHeading: "Recent findings by code (items)",
    period: "Period",
    days7: "7 days",
    days30: "30 days",
    days365: "1 year",
    findingsEmpty: "No findings in this period.",
  },
};
const stateName = {
  ja: { queued: "待機", running: "実行中", succeeded: "成功", retrying: "再試行待ち", dead: "失敗" },
  en: { queued: "queued", running: "running", succeeded: "succeeded", retrying: "retrying", dead: "dead" },
};
const t = (key) => strings[language.current][key];
const { token } = credentials("admin", ["token"]);
const retried = new Map();
let lastJobs = null;
let lastFindings = null;

function showError(error) {
  const box = document.getElementById("page-error");
  box.textContent = error instanceof Problem ? `${error.text(language.current)} (${error.message})` : String(error);
  box.hidden = false;
}

async function refreshQueue() {
  try {
    lastJobs = await api(token, "/v1/admin/jobs?state=dead");
    renderQueue();
  } catch (error) {
    showError(error);
  }
}

function renderQueue() {
  if (!lastJobs) return;
  const depth = document.getElementById("depth");
  depth.replaceChildren(
    ...["queued", "running", "retrying", "succeeded", "dead"].map((state) =>
      element(
        "div",
        { class: `tile ${state}${state === "dead" && lastJobs.depth[state] ? " alarm" : ""}`, "data-state": state },
        stateName[language.current][state],
        element("b", {}, String(lastJobs.depth[state] || 0)),
      ),
    ),
  );
  // Rows are rebuilt only when the dead jobs change, so a refresh never takes focus from a Retry button.
  const key = `${language.current} ${JSON.stringify(lastJobs.jobs)}`;
  const rows = document.getElementById("dead-rows");
  if (rows.dataset.key !== key) {
    rows.dataset.key = key;
    rows.replaceChildren(
      ...lastJobs.jobs.map((job) => {
        const button = element("button", { type: "button", class: "secondary", "data-retry": job.id }, t("retry"));
        button.addEventListener("click", () => retry(job.id, button));
        return element(
          "tr",
          { "data-job": job.id },
          element("td", {}, element("code", {}, job.id)),
          element("td", { class: "n" }, `${job.attempts} / ${job.max_attempts}`),
          element("td", { class: "error-text" }, job.last_error || "—"),
          element("td", {}, button),
        );
      }),
    );
    document.getElementById("dead-table").hidden = lastJobs.jobs.length === 0;
    document.getElementById("dead-empty").hidden = lastJobs.jobs.length > 0;
  }
  renderRetried();
}

function renderRetried() {
  document.getElementById("retried").replaceChildren(
    ...[...retried].map(([id, state]) => element("li", { "data-retried": id, "data-state": state }, t("retried")(id, state))),
  );
}

/// Puts a dead job back in the queue, then follows it until it succeeds or dies again.
async function retry(id, button) {
  button.disabled = true;
  try {
    const job = await api(token, `/v1/admin/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" });
    retried.set(id, job.state);
    await refreshQueue();
    for (let round = 0; round < 120; round++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await api(token, `/v1/admin/jobs/${encodeURIComponent(id)}`);
      retried.set(id, now.state);
      renderQueue();
      if (now.state === "succeeded" || now.state === "dead") break;
    }
    await refreshQueue();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

function selection() {
  const kind = document.getElementById("reprocess-kind").value;
  const value = document.getElementById("reprocess-value").value.trim();
  return kind === "all" ? { all: true } : { [kind]: value };
}

async function dryRun(event) {
  event.preventDefault();
  try {
    const result = await api(token, "/v1/admin/reprocess", { method: "POST", body: { ...selection(), dry_run: true } });
    document.getElementById("dry-summary").textContent = t("drySummary")(
      result.examined, result.changes.length, result.policy,
    );
    document.getElementById("dry-rows").replaceChildren(
      ...result.changes.map((change) =>
        element(
          "tr",
          {},
          element("td", {}, change.application),
          element("td", {}, change.file),
          element("td", {}, `${change.from} → ${change.to}`),
          element("td", {}, change.codes.map((code) => element("code", { class: "code" }, `${code} `))),
        ),
      ),
    );
    document.getElementById("dry-table").hidden = result.changes.length === 0;
    document.getElementById("run").disabled = false;
  } catch (error) {
    showError(error);
  }
}

async function run() {
  const button = document.getElementById("run");
  button.disabled = true;
  try {
    const started = await api(token, "/v1/admin/reprocess", { method: "POST", body: selection() });
    const total = started.queued + started.resumed;
    const bar = document.getElementById("run-bar");
    const label = document.getElementById("run-label");
    document.getElementById("run-progress").hidden = false;
    bar.max = Math.max(1, total);
    for (;;) {
      const progress = await api(token, `/v1/admin/reprocess/${encodeURIComponent(started.run)}`);
      const done = Math.max(0, total - progress.left);
      bar.value = total === 0 ? 1 : done;
      label.textContent = t("runLabel")(done, total, started.run);
      if (progress.done) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (error) {
    showError(error);
  }
  button.disabled = false;
}

/// The trial's own HTML report, in a sandboxed frame: no script runs in it, and its one style sheet is allowed
/// by its hash in this page's Content-Security-Policy.
async function trial(event) {
  event.preventDefault();
  const split = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);
  const body = { total_limits: split(document.getElementById("trial-totals").value) };
  const file = split(document.getElementById("trial-file").value);
  if (file.length) body.file_limits = file;
  const box = document.getElementById("trial-error");
  try {
    const html = await api(token, "/v1/admin/trials", { method: "POST", body, accept: "text/html" });
    box.hidden = true;
    const frame = document.getElementById("trial-report");
    frame.srcdoc = html;
    frame.hidden = false;
  } catch (error) {
    box.textContent = error instanceof Problem ? error.text(language.current) : String(error);
    box.hidden = false;
  }
}

async function refreshFindings() {
  try {
    lastFindings = await api(token, `/v1/admin/findings?days=${document.getElementById("findings-days").value}`);
    renderFindings();
  } catch (error) {
    showError(error);
  }
}

function renderFindings() {
  if (!lastFindings) return;
  const most = Math.max(1, ...lastFindings.codes.map((entry) => entry.items));
  document.getElementById("findings-bars").replaceChildren(
    ...lastFindings.codes.map((entry) => {
      const bar = element("div", { class: "bar", role: "presentation" });
      bar.style.width = `${(entry.items / most) * 100}%`;
      return element(
        "li",
        { "data-code": entry.code },
        element("code", {}, entry.code),
        bar,
        element("span", { class: "n" }, String(entry.items)),
      );
    }),
  );
  document.getElementById("findings-empty").hidden = lastFindings.codes.length > 0;
}

function start() {
  wireToggle();
  translate(strings, language.current);
  language.listeners.push(() => {
    translate(strings, language.current);
    renderQueue();
    renderFindings();
  });
  if (!token) {
    document.getElementById("signin").hidden = false;
    document.getElementById("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      remember("admin", "token", document.getElementById("signin-token").value.trim());
      location.reload();
    });
    return;
  }
  document.getElementById("console").hidden = false;
  document.getElementById("reprocess-form").addEventListener("submit", dryRun);
  document.getElementById("run").addEventListener("click", run);
  document.getElementById("trial-form").addEventListener("submit", trial);
  document.getElementById("findings-days").addEventListener("change", refreshFindings);
  refreshQueue();
  refreshFindings();
  setInterval(refreshQueue, 3000);
  setInterval(refreshFindings, 10000);
}

start();
