// A team takes part in the demo's evaluation: the applicant signs in, finds the predictive-
// maintenance challenge's phase, downloads the test features, submits predictions through the
// form, watches the submission go from queued to scored without reloading (htmx), and finds the
// team first on the leaderboard. Runs against `serve --demo` started by scripts/test:
// JIEBANG_URL and JIEBANG_APPLICANT_PASSWORD (the demo applicant's, from the server's output).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const password = process.env.JIEBANG_APPLICANT_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && password, 'JIEBANG_URL and JIEBANG_APPLICANT_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

test('a team submits predictions, sees them scored live, and leads the leaderboard', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });

  await page.goto(`${base}/login`);
  await page.fill('#email', 'applicant@demo.jiebang.cn');
  await page.fill('#password', password);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(`${base}/`);

  await page.click('text=2025年行业大模型揭榜挂帅首批任务');
  await page.click('tr:has-text("NAT25-01") a[href^="/challenges/"]');
  await page.click('[data-testid="phases"] a');
  await page.waitForSelector('[data-testid="dataset-files"]');
  const phaseUrl = page.url().split('?')[0];
  assert.ok(await page.locator('text=已报名').first().isVisible(), 'the demo team is registered');
  assert.equal(await page.locator('text=test_labels.csv').count(), 0, 'the hidden labels are not listed');

  // The test features, downloaded with the team's session, become sharp predictions.
  const link = page.locator('a[href$="/files/test.csv"]');
  const response = await page.request.get(new URL(await link.getAttribute('href'), base).href);
  assert.equal(response.status(), 200);
  const [header, ...rows] = (await response.text()).trim().split('\n');
  const column = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
  const predictions = ['id,score', ...rows.map((line) => {
    const cells = line.split(',').map(Number);
    const signal = 1.2 * (cells[column.kurtosis] - 4) + 4 * (cells[column.bpfo_energy] - 0.3);
    return `${cells[column.id]},${(1 / (1 + Math.exp(-signal))).toFixed(6)}`;
  })].join('\n');

  await page.goto(`${phaseUrl}?tab=submit`);
  await page.setInputFiles('input[name=file]', { name: 'predictions.csv', mimeType: 'text/csv', buffer: Buffer.from(predictions) });
  await page.fill('input[name=note]', '浏览器提交');
  await page.click('[data-testid="submit-form"] button[type=submit]');
  await page.waitForURL(/tab=mine/);
  // The newest submission is the first row; the table refreshes itself until it is scored.
  const newest = page.locator('[data-testid="submissions"] tbody tr').first();
  assert.ok(await newest.locator('text=浏览器提交').isVisible());
  await page.waitForSelector('[data-testid="submissions"] tbody tr:first-child[data-state="scored"]', { timeout: 60_000 });
  assert.match(await newest.textContent(), /roc_auc 0\.9\d{3}/);

  await page.goto(`${phaseUrl}?tab=board`);
  const first = page.locator('[data-testid="leaderboard"] tbody tr').first();
  assert.match(await first.textContent(), /云鼎科技/, 'the sharper predictions rank first');
  assert.ok(await page.locator('[data-testid="leaderboard"] .badge:has-text("基线")').isVisible(), 'the baseline is marked');
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});

test('the delivered model of the demo has its latency, size and memory judged on its page and report', async () => {
  const organizerPassword = process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD;
  assert.ok(organizerPassword, 'JIEBANG_DEMO_ORGANIZER_PASSWORD must be set');
  const problems = [];
  const signIn = async (email, secret) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', secret);
    await page.click('form[action="/login"] button[type=submit]');
    await page.waitForURL(`${base}/`);
    await page.click('text=2025年行业大模型揭榜挂帅首批任务');
    await page.click('tr:has-text("NAT25-01") a[href^="/challenges/"]');
    await page.click('[data-testid="phases"] a');
    return [page, page.url().split('?')[0]];
  };
  const scoredModel = '[data-testid="submissions"] tbody tr[data-state="scored"]:has-text("bearing-logreg.onnx")';

  // The team: the form takes models, and its model's measurements are listed with its scores.
  const [team, phaseUrl] = await signIn('applicant@demo.jiebang.cn', password);
  await team.goto(`${phaseUrl}?tab=submit`);
  assert.ok(await team.locator('[data-testid="model-hint"]').isVisible(), 'the form says models are taken');
  assert.match(await team.locator('input[name=file]').getAttribute('accept'), /\.onnx/);
  await team.goto(`${phaseUrl}?tab=mine`);
  await team.waitForSelector(scoredModel, { timeout: 60_000 });
  assert.match(await team.locator(scoredModel).textContent(), /latency_p99_ms \d+\.\d{4}[\s\S]*model_size_mb 0\.0003/);
  await team.goto(`${phaseUrl}?tab=board`);
  const header = await team.locator('[data-testid="leaderboard"] thead').textContent();
  assert.ok(header.includes('latency_p99_ms') && header.includes('model_size_mb'), header);
  for (const target of ['roc_auc>=0.92', 'latency_p99_ms<=10', 'model_size_mb<=20']) {
    assert.ok(header.includes(target), `a column for ${target}: ${header}`);
  }

  // The team opens its own signed report from 我的提交: a verdict on every indicator.
  await team.goto(`${phaseUrl}?tab=mine`);
  await team.locator(scoredModel).locator('a[data-testid="report-link"]').click();
  await team.waitForSelector('[data-testid="report-indicators"]');
  const verdicts = await team.locator('[data-testid="report-indicators"] tr').allTextContents();
  assert.equal(verdicts.length, 4, verdicts.join(' | '));
  assert.ok(verdicts.every((v) => /达标/.test(v)), verdicts.join(' | '));

  // The organizer opens the signed report: the model, the engine, the timings, the verdicts.
  const [organizer] = await signIn('organizer@demo.jiebang.cn', organizerPassword);
  await organizer.goto(`${phaseUrl}?tab=mine`);
  await organizer.locator(scoredModel).locator('a[href$="/report"]').click();
  await organizer.waitForSelector('[data-testid="report-model"]');
  assert.match(await organizer.locator('[data-testid="report-model"]').textContent(), /(tract|onnxruntime) \d/);
  assert.match(await organizer.locator('[data-testid="report-latency"]').textContent(), /p99/);
  assert.ok(await organizer.locator('[data-testid="report-throughput"] svg rect').count() >= 2, 'a bar per batch size');
  for (const target of ['latency_p99_ms<=10', 'model_size_mb<=20', 'roc_auc>=0.92']) {
    const verdict = organizer.locator(`[data-testid="report-indicators"] tr:has-text("${target}")`);
    assert.match(await verdict.textContent(), /达标/, `${target} is met`);
  }
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});
