// An organizer signs in, creates and publishes a program, adds a challenge with two indicators
// (the second row added by htmx), and an anonymous visitor then finds it on the public list,
// filters the list, and switches to English. Runs against a server started by scripts/test:
// JIEBANG_URL, JIEBANG_ORGANIZER_EMAIL and JIEBANG_ORGANIZER_PASSWORD say where and who.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const email = process.env.JIEBANG_ORGANIZER_EMAIL;
const password = process.env.JIEBANG_ORGANIZER_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && email && password, 'JIEBANG_URL, JIEBANG_ORGANIZER_EMAIL and JIEBANG_ORGANIZER_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

test('an organizer publishes a challenge with two indicators and the public sees it', async () => {
  const organizer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  organizer.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });

  await organizer.goto(`${base}/login`);
  await organizer.fill('#email', email);
  await organizer.fill('#password', password);
  await organizer.click('form[action="/login"] button[type=submit]');
  await organizer.waitForURL(`${base}/`);

  await organizer.click('a[href="/programs/new"]');
  await organizer.fill('#title', '浏览器测试批次');
  await organizer.fill('#issuer', '测试发榜方');
  await organizer.click('form[action="/programs/new"] button[type=submit]');
  await organizer.waitForURL(/\/programs\/\d+$/);
  const programUrl = organizer.url();
  // An irreversible step asks to be confirmed first.
  await organizer.check('form:has([data-testid="transition-published"]) input[name="confirm"]');
  await organizer.click('[data-testid="transition-published"]');
  await organizer.waitForSelector('[data-testid="program-status"]:has-text("已发榜")');

  await organizer.click('a[href$="/challenges/new"]');
  await organizer.fill('#code', 'WEB-01');
  await organizer.fill('#title', '浏览器创建的质检大模型');
  await organizer.fill('#direction', '人工智能+制造');
  await organizer.selectOption('#industries', ['29', '39']);
  await organizer.selectOption('#region', '370200');
  const names = organizer.locator('input[name=ind_name]');
  assert.equal(await names.count(), 1, 'a new challenge starts with one indicator row');
  await organizer.click('button[hx-get="/challenges/indicator-row"]');
  await organizer.waitForFunction(() => document.querySelectorAll('input[name=ind_name]').length === 2);
  const row = (i, field) => organizer.locator(`[name=ind_${field}]`).nth(i);
  await row(0, 'name').fill('缺陷检出率');
  await row(0, 'metric').fill('recall');
  await row(0, 'threshold').fill('0.98');
  await row(1, 'name').fill('单张推理时延');
  await row(1, 'metric').fill('latency_p99_ms');
  await row(1, 'op').selectOption('<=');
  await row(1, 'threshold').fill('50');
  await row(1, 'unit').fill('ms');
  await row(1, 'kind').selectOption('scored');
  await row(1, 'weight').fill('20');
  await organizer.click('form[action$="/challenges/new"] button[type=submit]');
  await organizer.waitForURL(/\/challenges\/\d+$/);
  assert.equal(await organizer.locator('[data-testid="indicator-table"] tbody tr').count(), 2);

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(programUrl);
  assert.ok(await visitor.locator('text=WEB-01').isVisible(), 'the challenge is on the public list');
  assert.ok(await visitor.locator('text=缺陷检出率 ≥ 0.98').isVisible(), 'with its indicators');
  // The list has one challenge either way, so wait for the request itself: htmx puts the
  // filter in the address once the new list is in, so it can be shared.
  await visitor.selectOption('select[name=industry]', '29');
  await visitor.waitForURL(/industry=29/);
  await visitor.waitForSelector('[data-testid="challenge-total"]:has-text("共 1 项")');
  await visitor.fill('[data-testid="challenge-keyword"]', '没有这个任务');
  await visitor.press('[data-testid="challenge-keyword"]', 'Enter');
  await visitor.waitForSelector('[data-testid="challenge-total"]:has-text("共 0 项")');
  await visitor.fill('[data-testid="challenge-keyword"]', '');
  await visitor.press('[data-testid="challenge-keyword"]', 'Enter');
  await visitor.waitForSelector('[data-testid="challenge-total"]:has-text("共 1 项")');
  await visitor.click('[data-testid="lang-switch"]');
  await visitor.waitForSelector('html[lang="en"]');
  assert.ok(await visitor.locator('text=Indicators').first().isVisible());
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});

test('the demo list renders with its charts', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  await page.goto(`${base}/`);
  await page.click('text=2025年工业领域行业大模型');
  await page.waitForSelector('svg.bar rect');
  const widths = await page.locator('svg.bar rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
  assert.ok(widths.some((w) => w < 100), 'bars are scaled to the largest count');
  if (process.env.JIEBANG_SCREENSHOT) {
    await page.screenshot({ path: process.env.JIEBANG_SCREENSHOT, fullPage: false });
  }
});
