// An industrial large model's acceptance test in the browser: the applicant's enterprise joins
// the demo's 化工 question bank (NAT25-06), downloads the questions, submits its model's answers
// through the form, sees them scored and ranked; the organizer reads the signed report drawn per
// category, with the answers no rule could read. Runs against
// `serve --demo` started by scripts/test: JIEBANG_URL, JIEBANG_APPLICANT_PASSWORD and
// JIEBANG_DEMO_ORGANIZER_PASSWORD.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
let browser;

before(async () => {
  assert.ok(base && process.env.JIEBANG_APPLICANT_PASSWORD && process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD,
    'JIEBANG_URL, JIEBANG_APPLICANT_PASSWORD and JIEBANG_DEMO_ORGANIZER_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

async function signIn(email, password, problems) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(`${base}/`);
  await page.click('text=2025年行业大模型揭榜挂帅首批任务');
  await page.click('tr:has-text("NAT25-06") a[href^="/challenges/"]');
  await page.click('[data-testid="phases"] a');
  await page.waitForSelector('[data-testid="dataset-files"]');
  return [page, page.url().split('?')[0]];
}

test('a team joins the question bank, answers it and is ranked; the organizer reads the report by category', async () => {
  const problems = [];
  const [team, phaseUrl] = await signIn('applicant@demo.jiebang.cn', process.env.JIEBANG_APPLICANT_PASSWORD, problems);
  assert.equal(await team.locator('text=truth.jsonl').count(), 0, 'the hidden answers are not listed');
  await team.click('[data-testid="register"]');
  await team.waitForSelector('text=已报名');

  const link = team.locator('a[href$="/files/questions.jsonl"]');
  const response = await team.request.get(new URL(await link.getAttribute('href'), base).href);
  assert.equal(response.status(), 200);
  const questions = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
  assert.ok(questions.length >= 180, `${questions.length} questions`);
  assert.ok(questions.every((q) => !('answer' in q) && !('expect' in q)), 'no answers leave the server');
  const undecided = questions.find((q) => q.task === 'choice').id;
  const answers = questions.map((q) => {
    if (q.id === undecided) return { id: q.id, answer: 'A或B都有可能' };
    if (q.task === 'choice') return { id: q.id, answer: '答案是A。' };
    if (q.task === 'safety') return { id: q.id, answer: '抱歉，我无法提供这方面的帮助。' };
    return { id: q.id, answer: '不确定' };
  });
  const file = answers.map((a) => JSON.stringify(a)).join('\n') + '\n';

  await team.goto(`${phaseUrl}?tab=submit`);
  await team.setInputFiles('[data-testid="submit-form"] input[name=file]', { name: 'answers.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(file) });
  await team.fill('[data-testid="submit-form"] input[name=note]', '浏览器回答');
  await team.click('[data-testid="submit-form"] button[type=submit]');
  await team.waitForURL(/tab=mine/);
  const newest = team.locator('[data-testid="submissions"] tbody tr').first();
  await team.waitForSelector('[data-testid="submissions"] tbody tr:first-child[data-state="scored"]', { timeout: 60_000 });
  assert.match(await newest.textContent(), /choice_accuracy 0\.\d{4}/);

  await team.goto(`${phaseUrl}?tab=board`);
  const row = team.locator('[data-testid="leaderboard"] tbody tr:has-text("云鼎科技")');
  assert.equal(await row.count(), 1, 'the team is ranked');
  const header = await team.locator('[data-testid="leaderboard"] thead').textContent();
  for (const metric of ['choice_accuracy', 'f1@zh', 'refusal_rate', 'over_refusal_rate']) {
    assert.ok(header.includes(metric), `a column for ${metric}: ${header}`);
  }

  // The bank has a private split, so the full report (every split, every category) is the
  // organizer's until the private results are published; the team reads its own signed view.
  await team.goto(`${phaseUrl}?tab=mine`);
  const id = (await newest.locator('td.num').first().textContent()).trim();
  await newest.locator('a[data-testid="report-link"]').click();
  await team.waitForSelector('[data-testid="team-view"]');
  assert.equal(await team.locator('[data-testid="report-categories"]').count(), 0, 'no categories over hidden rows');
  assert.doesNotMatch(await team.locator('[data-testid="report-metrics"] thead').innerText(), /private/);

  // The organizer reads it: verdicts, a bar chart per category, and the answer no rule could
  // read, in the team's own words.
  const [organizer] = await signIn('organizer@demo.jiebang.cn', process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD, problems);
  await organizer.goto(`${base}/submissions/${id}/report`);
  await organizer.waitForSelector('[data-testid="report-categories"]');
  assert.ok(await organizer.locator('[data-testid="report-categories"] figure').count() >= 5, 'a chart per category');
  assert.ok(await organizer.locator('[data-testid="report-categories"] svg[aria-label*="choice_accuracy"]').count() >= 3);
  const refusal = organizer.locator('[data-testid="report-indicators"] tr:has-text("over_refusal_rate<=0.05")');
  assert.match(await refusal.textContent(), /未达标/, 'refusing everything is over-refusal');
  const unparsed = organizer.locator(`[data-testid="report-unparsed"] tr:has-text("${undecided}")`);
  assert.match(await unparsed.textContent(), /A或B都有可能/);
  if (process.env.JIEBANG_SCREENSHOT) await organizer.screenshot({ path: `${process.env.JIEBANG_SCREENSHOT}/llm-report.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});

test('a team registers its live endpoint and watches it answer; the organizer reads the serving charts and the transcript', async () => {
  const problems = [];
  const key = 'sk-browser-never-shown-4711';
  const [team, phaseUrl] = await signIn('applicant@demo.jiebang.cn', process.env.JIEBANG_APPLICANT_PASSWORD, problems);
  await team.goto(`${phaseUrl}?tab=submit`);
  assert.match(await team.locator('[data-testid="endpoint-notice"]').textContent(), /题目会发送到您的服务器/);
  // The demo serves its own retrieval baseline; the team registers it as if it were its model.
  await team.fill('[data-testid="endpoint-form"] input[name=base_url]', `${base}/demo/llm/v1`);
  await team.fill('[data-testid="endpoint-form"] input[name=model]', 'jiebang-demo-retrieval-baseline');
  await team.fill('[data-testid="endpoint-form"] input[name=api_key]', key);
  await team.fill('[data-testid="endpoint-form"] input[name=note]', '浏览器登记的接口');
  await team.click('[data-testid="endpoint-submit"]');
  await team.waitForURL(/tab=mine/);
  const newest = team.locator('[data-testid="submissions"] tbody tr').first();
  assert.match(await newest.textContent(), /jiebang-demo-retrieval-baseline @ http/);
  await team.waitForSelector('[data-testid="submissions"] tbody tr:first-child[data-state="scored"]', { timeout: 120_000 });
  assert.ok(!(await team.content()).includes(key), 'the key is never shown back');
  const id = (await newest.locator('td.num').first().textContent()).trim();
  await newest.locator('a[data-testid="report-link"]').click();
  await team.waitForSelector('[data-testid="report-serving"]');
  assert.equal(await team.locator('[data-testid="transcript-link"]').count(), 0, 'the team waits for the private results');

  const [organizer] = await signIn('organizer@demo.jiebang.cn', process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD, problems);
  await organizer.goto(`${base}/submissions/${id}/report`);
  await organizer.waitForSelector('[data-testid="report-serving"]');
  assert.match(await organizer.locator('[data-testid="report-serving"]').textContent(), /jiebang-demo-retrieval-baseline/);
  assert.equal(await organizer.locator('[data-testid="report-serving-latency"] svg').count(), 7, 'TTFT, TPOT, ITL and E2E percentiles');
  assert.ok(await organizer.locator('[data-testid="report-ttft-histogram"] rect').count() >= 1, 'a TTFT histogram');
  const href = await organizer.locator('[data-testid="transcript-link"]').getAttribute('href');
  const transcript = await organizer.request.get(new URL(href, base).href);
  assert.equal(transcript.status(), 200);
  const lines = (await transcript.text()).trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines[0].type, 'run');
  assert.ok(lines.length > 180, `${lines.length} lines: the run, then one a question`);
  assert.ok(!(await transcript.text()).includes(key), 'the transcript never holds the key');
  if (process.env.JIEBANG_SCREENSHOT) await organizer.screenshot({ path: `${process.env.JIEBANG_SCREENSHOT}/endpoint-report.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});

test('a served GGUF model reports its runtime and memory; published with its team consent, anyone signed in asks it', async () => {
  assert.ok(process.env.JIEBANG_ADMIN_PASSWORD, 'JIEBANG_ADMIN_PASSWORD must be set');
  const problems = [];
  // The demo admin acts for every unit, so it consents for the university and publishes too.
  const [admin, phaseUrl] = await signIn('admin@demo.jiebang.cn', process.env.JIEBANG_ADMIN_PASSWORD, problems);
  await admin.goto(`${phaseUrl}?tab=mine`);
  const scored = '[data-testid="submissions"] tbody tr[data-state="scored"]:has-text("constant-b-demo.gguf")';
  await admin.waitForSelector(scored, { timeout: 180_000 });
  await admin.locator(`${scored} a[data-testid="report-link"]`).click();
  await admin.waitForSelector('[data-testid="report-hosting"]');
  assert.match(await admin.locator('[data-testid="report-hosting"]').textContent(), /candle/);
  assert.equal(await admin.locator('[data-testid="report-hosting-levels"] svg').count(), 4, 'tokens/s and TTFT p99 at 1 and 4');
  assert.equal(await admin.locator('[data-testid="report-hosting-memory"] svg').count(), 2, 'peak memory against the limit');
  assert.equal(await admin.locator('[data-testid="publish-form"]').count(), 0, 'nothing to publish before the consent');
  await admin.check('[data-testid="consent-form"] input[name=confirm]');
  await admin.click('[data-testid="consent-form"] button[type=submit]');
  await admin.waitForSelector('[data-testid="flash-done"]');
  await admin.click('[data-testid="publish-form"] button[type=submit]');
  await admin.waitForSelector('[data-testid="flash-done"]:has-text("已发布")');

  const [team] = await signIn('applicant@demo.jiebang.cn', process.env.JIEBANG_APPLICANT_PASSWORD, problems);
  await team.click('[data-testid="models-link"]');
  await team.click('[data-testid="published-models"] a:has-text("试用")');
  await team.fill('[data-testid="chat-form"] textarea[name=message]', '氯气是什么颜色？A. 无色 B. 黄绿色');
  await team.click('[data-testid="chat-form"] button[type=submit]');
  await team.waitForSelector('[data-testid="turn-assistant"]', { timeout: 120_000 });
  assert.match(await team.locator('[data-testid="turn-assistant"]').textContent(), /B/, 'the constant model answers B');
  // The next question carries the conversation.
  await team.fill('[data-testid="chat-form"] textarea[name=message]', '为什么？');
  await team.click('[data-testid="chat-form"] button[type=submit]');
  await team.waitForFunction(() => document.querySelectorAll('[data-testid="turn-assistant"]').length === 2, null, { timeout: 60_000 });
  assert.equal(await team.locator('[data-testid="turn-user"]').count(), 2);
  if (process.env.JIEBANG_SCREENSHOT) await team.screenshot({ path: `${process.env.JIEBANG_SCREENSHOT}/model-chat.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});
