// Selection in the demo: the public reads the 公示 of the provincial list (the notice's standard
// clauses, the list, the exports) without signing in; the demo expert opens an assigned
// application of the 2026 program, scores it on the review form and sees it reviewed; a signed-in
// user files an objection during the period. Runs against `serve --demo` started by scripts/test:
// JIEBANG_URL and JIEBANG_EXPERT_PASSWORD (the demo expert's, from the server's output).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const password = process.env.JIEBANG_EXPERT_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && password, 'JIEBANG_URL and JIEBANG_EXPERT_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

function watch(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  return problems;
}

test('the public reads the 公示 notice and its list without signing in', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
  const problems = watch(page);
  await page.goto(`${base}/`);
  await page.click('text=2025年工业领域行业大模型');
  await page.click('[data-testid="publicity-link"]');
  await page.waitForSelector('[data-testid="notice"] h1:has-text("拟入选名单公示")');
  const text = await page.locator('[data-testid="notice"]').innerText();
  for (const clause of ['现予以公示', '个工作日', '匿名反映', '加盖单位公章', '联系方式']) {
    assert.ok(text.includes(clause), `the notice says ${clause}`);
  }
  const rows = page.locator('[data-testid="list"] tbody tr');
  assert.ok(await rows.count() >= 5, 'the draft list is shown');
  assert.ok(await page.locator('[data-testid="list"] >> text=云鼎化工行业大模型').isVisible());
  assert.equal(await page.locator('text=13800000000').count(), 0, 'no objector contact data is public');
  const xlsx = await page.request.get(new URL(await page.locator('a[href$="format=xlsx"]').getAttribute('href'), base).href);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
  // Without an account there is no objection form, only the way to sign in.
  assert.equal(await page.locator('[data-testid="file-objection"]').count(), 0);
  await page.click('text=统计');
  await page.waitForSelector('[data-testid="chart"] svg.bar rect');
  assert.ok(Number(await page.locator('[data-testid="total-applications"]').innerText()) >= 5);
  assert.deepEqual(problems, [], 'no console errors (CSP violations show up here)');
});

test('an expert scores an assigned application and files an objection in the period', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = watch(page);
  await page.goto(`${base}/login`);
  await page.fill('#email', 'expert@demo.jiebang.cn');
  await page.fill('#password', password);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(`${base}/`);

  await page.click('text=我的评审');
  await page.waitForSelector('[data-testid="assignments"]');
  const waiting = page.locator('[data-testid="assignments"] tr:has-text("待评审") a').first();
  const project = await waiting.innerText();
  await waiting.click();
  await page.waitForSelector('[data-testid="review-form"]');
  // One score above its criterion's maximum is refused by the browser before anything is sent.
  const maxima = await page.locator('[data-testid="review-form"] input[type=number]').evaluateAll((inputs) => inputs.map((i) => Number(i.max)));
  assert.equal(maxima.reduce((a, b) => a + b, 0), 100, 'the default form is worth 100 points');
  for (const [i, max] of maxima.entries()) {
    await page.fill(`[data-testid="score-${i}"]`, String(max * 0.8));
  }
  await page.fill('#comment', '技术路线清晰，建议补充边缘部署实测数据。');
  await page.check('form:has([data-testid="submit-review"]) input[name="confirm"]');
  await page.click('[data-testid="submit-review"]');
  await page.waitForSelector('[data-testid="my-review"]');
  assert.match(await page.locator('[data-testid="my-review"]').innerText(), /80/);
  assert.equal(await page.locator('[data-testid="review-form"]').count(), 0, 'a review is final once submitted');

  await page.goto(`${base}/reviews`);
  assert.ok(await page.locator(`[data-testid="assignments"] tr:has-text("${project}") >> text=已评审`).isVisible());

  // The expert is also a member of the public: an objection during the provincial 公示.
  await page.goto(`${base}/`);
  await page.click('text=2025年工业领域行业大模型');
  await page.click('[data-testid="publicity-link"]');
  await page.selectOption('#filer_kind', 'individual');
  await page.fill('#filer_name', '王某');
  await page.fill('#contact', '13900000000');
  await page.fill('#content', '该项目承诺的时延指标缺少实测依据，请核查。');
  await page.click('[data-testid="file-objection"]');
  await page.waitForSelector('[data-testid="filed"]');
  assert.deepEqual(problems, [], 'no console errors');
});
