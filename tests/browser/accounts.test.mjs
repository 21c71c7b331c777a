// A new applicant's whole way in, on `serve --demo` started by scripts/test (which sends no
// mail, so the confirmation link is read from the server's log, as the operator would):
// sign up → confirm the address → sign in → register a unit with its licence → the region's
// recommender opens the licence and verifies it → apply to an open challenge from its page with a consortium → submit, confirmed.
// JIEBANG_URL, JIEBANG_SERVER_LOG and JIEBANG_RECOMMENDER_PASSWORD come from scripts/test.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const serverLog = process.env.JIEBANG_SERVER_LOG;
const recommenderPassword = process.env.JIEBANG_RECOMMENDER_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && serverLog && recommenderPassword, 'JIEBANG_URL, JIEBANG_SERVER_LOG, JIEBANG_RECOMMENDER_PASSWORD');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

// A valid unified social credit code: 17 characters and the GB 32100 check character.
function creditCode(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0);
  return first17 + alphabet[(31 - (sum % 31)) % 31];
}

// The link the server logged for this address (no SMTP in the test).
async function loggedLink(email) {
  for (let i = 0; i < 50; i++) {
    const line = readFileSync(serverLog, 'utf8').split('\n').reverse().find((l) => l.includes(email) && l.includes('token='));
    const match = line?.match(/(\/verify\?token=[0-9a-f]+)/);
    if (match) return match[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no link logged for ${email}`);
}

async function signIn(page, email, password) {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type="submit"]')]);
}

test('a new applicant signs up, registers a unit, and applies from the challenge page', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  const stamp = `${Date.now()}`.slice(-8);
  const email = `new-${stamp}@browser.test`;
  const password = `a fine horse ${stamp}`;

  await page.goto(`${base}/`);
  await page.click('[data-testid="signup-link"]');
  await page.fill('#email', email);
  await page.fill('#name', '新申报人');
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signup"] button[type="submit"]')]);
  assert.match(await page.locator('[data-testid="flash-done"]').innerText(), /未配置邮件发送/);

  await page.goto(`${base}${await loggedLink(email)}`);
  assert.match(await page.locator('main').innerText(), /新申报人/);
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="verify-button"]')]);
  assert.match(await page.locator('[data-testid="flash-done"]').innerText(), /邮箱已验证/);
  await signIn(page, email, password);

  // A challenge of the open national list: sign-in done, but no unit yet.
  await page.goto(`${base}/`);
  await page.click('text=2025年行业大模型揭榜挂帅首批任务');
  await page.click('table a[href^="/challenges/"] >> nth=0');
  const challengeUrl = page.url();
  assert.match(await page.locator('[data-testid="intake"]').innerText(), /申报截止：.*还剩 \d+ 天/);
  await page.click('[data-testid="apply-register-unit"]');

  const unit = `浏览器测试科技有限公司${stamp}`;
  await page.fill('#name', unit);
  await page.fill('#credit_code', creditCode(`91370100MA${stamp.slice(0, 7)}`));
  await page.selectOption('#region', '370100');
  await page.fill('#contact_phone', '0531-88886666');
  await page.setInputFiles('#licence', { name: '营业执照.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% licence scan\n') });
  await Promise.all([page.waitForNavigation(), page.click('form[action="/organizations"] button[type="submit"]')]);
  assert.match(await page.locator('[data-testid="flash-done"]').innerText(), /等待核验/);
  const unitUrl = page.url();

  // The region's recommender opens the licence and verifies the unit, in another browser.
  const recommender = await (await browser.newContext()).newPage();
  await signIn(recommender, 'recommender@demo.jiebang.cn', recommenderPassword);
  await recommender.goto(unitUrl);
  const licence = await recommender.request.get(`${base}${await recommender.getAttribute('[data-testid="licence"]', 'href')}`);
  assert.equal(licence.headers()['content-type'], 'application/pdf');
  await recommender.check('[data-testid^="verify-"] input[name="confirm"]');
  await Promise.all([recommender.waitForNavigation(), recommender.click('[data-testid^="verify-"] button[type="submit"]')]);
  assert.match(await recommender.locator('[data-testid="flash-done"]').innerText(), /单位已核验/);
  assert.match(await recommender.locator('[data-testid="standing"]').innerText(), /已核验/);

  // Back on the challenge page, the applicant now gets 我要揭榜.
  await page.goto(challengeUrl);
  await page.click('[data-testid="apply"]');
  await page.fill('#project_name', `浏览器揭榜项目${stamp}`);
  // A consortium: one joint unit, never the lead itself.
  const joint = page.locator('select[name="joint_0_org"]');
  const options = await joint.locator('option').allInnerTexts();
  assert.ok(!options.includes(unit), 'the lead unit is not offered as its own joint unit');
  await joint.selectOption({ index: 1 });
  await page.fill('input[name="joint_0_work"]', '数据与场景验证');
  await page.fill('#leader_name', '王工');
  const targets = await page.locator('[data-testid="application-form"] tbody tr td.mono').allInnerTexts();
  for (const [i, target] of targets.entries()) {
    await page.fill(`[data-testid="commit-${i}"]`, target.trim().split(/\s+/).pop());
  }
  await page.fill('#summary', '面向行业场景的大模型研制与验证方案。');
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="save-application"]')]);
  assert.match(page.url(), /\/applications\/\d+$/);
  // Submitting is final: the button works only once it is confirmed.
  await page.click('[data-testid="action-submit"]');
  assert.match(page.url(), /\/applications\/\d+$/, 'nothing is submitted unconfirmed');
  assert.match(await page.locator('[data-testid="application-state"]').innerText(), /草稿/);
  await page.check('form:has([data-testid="action-submit"]) input[name="confirm"]');
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="action-submit"]')]);
  assert.match(await page.locator('[data-testid="application-state"]').innerText(), /已提交/);
  assert.match(await page.locator('[data-testid="flash-done"]').innerText(), /操作已完成/);

  // The 申报书 as PDF, for sealing and filing.
  const pdf = await page.request.get(`${base}${await page.getAttribute('[data-testid="application-pdf"]', 'href')}`);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  // The same page in English says it in English.
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="lang-switch"]')]);
  assert.match(await page.locator('[data-testid="application-state"]').innerText(), /Submitted/);
  assert.doesNotMatch(await page.locator('h2').first().innerText(), /\p{Script=Han}/u);
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="lang-switch"]')]);

  // 我的申报 follows it: submitted, and what comes next.
  await page.click('[data-testid="my-applications"]');
  const mine = page.locator(`[data-testid="my-application"]:has-text("浏览器揭榜项目${stamp}")`);
  assert.equal(await mine.locator('.stepper li.current').innerText(), '已提交');
  assert.match(await mine.locator('[data-testid="next-step"]').innerText(), /等待/);
  assert.deepEqual(problems, [], 'no console errors');
  await context.close();
});
