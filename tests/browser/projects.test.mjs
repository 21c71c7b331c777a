// Projects after the announcement in the demo's announced 2024 list: the team corrects its draft
// 任务书 (an error shown beside its field), reports a milestone with a PDF from 我的项目 and sees
// it await review; the organizer passes it and its tranche becomes releasable; the public reads
// the accepted project's committed-vs-achieved ledger without signing in. Runs against
// `serve --demo` started by scripts/test: JIEBANG_URL, JIEBANG_APPLICANT_PASSWORD and
// JIEBANG_DEMO_ORGANIZER_PASSWORD.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const applicantPassword = process.env.JIEBANG_APPLICANT_PASSWORD;
const organizerPassword = process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && applicantPassword && organizerPassword,
    'JIEBANG_URL, JIEBANG_APPLICANT_PASSWORD and JIEBANG_DEMO_ORGANIZER_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

async function signedIn(email, password) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = [];
  // A refused form comes back with 422, which Chromium reports; anything else is a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('422')) problems.push(m.text()); });
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(`${base}/`);
  return { page, problems };
}

test('a team corrects its draft agreement and reports a milestone; the organizer passes it', async () => {
  const { page, problems } = await signedIn('applicant@demo.jiebang.cn', applicantPassword);
  await page.click('[data-testid="my-projects"]');
  await page.waitForSelector('[data-testid="projects"]');

  // The draft agreement: a milestone due after the period is refused beside its field.
  await page.click('[data-testid="projects"] >> text=云鼎冶金流程优化大模型');
  await page.click('[data-testid="agreement-edit"]');
  const due = page.locator('input[name="milestones[0].due"]');
  const kept = await due.inputValue();
  await due.fill('2099-01-01');
  await page.click('[data-testid="agreement-save"]');
  await page.waitForSelector('[data-field-error="milestones[0].due"]');
  assert.match(await page.locator('[data-field-error="milestones[0].due"]').innerText(), /执行期内/);
  await page.locator('input[name="milestones[0].due"]').fill(kept);
  await page.click('[data-testid="agreement-save"]');
  await page.waitForSelector('[data-testid="flash-done"]:has-text("任务书已保存")');

  // A milestone report from 我的项目, with a PDF.
  await page.click('[data-testid="my-projects"]');
  await page.click('[data-testid="projects"] >> text=云鼎化工安全知识大模型');
  await page.waitForSelector('[data-testid="milestone"][data-position="1"][data-status="passed"]');
  const form = page.locator('[data-testid="milestone-form"]');
  await form.locator('select[name=milestone]').selectOption('2');
  await form.locator('textarea[name=summary]').fill('安全知识问答模型初版完成，平台测评报告见附件。');
  await form.locator('input[name=file]').setInputFiles({ name: '模型研制阶段报告.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% milestone 2\n') });
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('[data-testid="flash-done"]:has-text("里程碑报告已提交")');
  const second = page.locator('[data-testid="milestone"][data-position="2"]');
  assert.equal(await second.getAttribute('data-status'), 'submitted');
  assert.ok(await second.locator('a:has-text("模型研制阶段报告.pdf")').isVisible(), 'the evidence is listed');
  const project = page.url();
  assert.deepEqual(problems, [], 'no console errors');

  // The organizer passes it; the tranche tied to the second milestone becomes releasable.
  const organizer = await signedIn('organizer@demo.jiebang.cn', organizerPassword);
  await organizer.page.goto(project);
  const tranche = organizer.page.locator('[data-testid="project-tranches"] tbody tr:has-text("#2")');
  assert.match(await tranche.innerText(), /暂不可拨付/);
  const review = organizer.page.locator('[data-testid="milestone"][data-position="2"] [data-testid="review-form"]');
  await review.locator('select[name=decision]').selectOption('passed');
  await review.locator('button[type=submit]').click();
  await organizer.page.waitForSelector('[data-testid="flash-done"]:has-text("评审意见已记录")');
  assert.equal(await organizer.page.locator('[data-testid="milestone"][data-position="2"]').getAttribute('data-status'), 'passed');
  assert.match(await tranche.innerText(), /可拨付/);
  assert.doesNotMatch(await tranche.innerText(), /暂不可拨付/);
  assert.deepEqual(organizer.problems, [], 'no console errors');
});

test('the public reads the accepted project\'s committed-vs-achieved ledger without signing in', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  await page.goto(`${base}/`);
  await page.click('text=2024年工业领域行业大模型');
  await page.click('[data-testid="projects-link"]');
  await page.waitForSelector('[data-testid="projects-by-state"] svg.bar');
  assert.ok(await page.locator('[data-testid="overdue"]').count() >= 1, 'overdue projects are flagged');
  await page.click('[data-testid="projects"] >> text=智算设备健康预测大模型');
  assert.equal(await page.locator('[data-testid="project-state"]').innerText(), '揭榜优胜');
  // The workers may still be scoring the evidence as the server starts: wait for the ledger.
  for (let i = 0; i < 60 && await page.locator('[data-testid="ledger-row"][data-met="true"]').count() < 5; i++) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  const rows = page.locator('[data-testid="ledger-row"]');
  assert.equal(await rows.count(), 5);
  assert.equal(await page.locator('[data-testid="ledger-row"][data-met="true"]').count(), 5, 'every committed value is met');
  assert.ok(await page.locator('[data-testid="ledger-chart"] svg.bar').first().isVisible(), 'the ledger is drawn');
  assert.ok(await rows.first().locator('a:has-text("签名报告")').isVisible(), 'each value links its signed report');
  // What is the parties' own stays with them.
  assert.equal(await page.locator('[data-testid="milestone-report"]').count(), 0);
  assert.equal(await page.locator('[data-testid="project-tranches"]').count(), 0);
  if (process.env.JIEBANG_SCREENSHOT) {
    await page.screenshot({ path: `${process.env.JIEBANG_SCREENSHOT}/project-ledger.png`, fullPage: true });
  }
});
