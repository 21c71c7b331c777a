// The supply–demand catalogue: anyone finds a demand by a two-character Chinese word from the
// header's search box and reads its matching solutions with their reasons, the contact withheld;
// the demo organizer records an intention for the best match, confirms the talks and the signing
// with its amount and date, and the catalogue's numbers count the new contract. Runs against
// `serve --demo` started by scripts/test: JIEBANG_URL, JIEBANG_DEMO_ORGANIZER_PASSWORD and
// JIEBANG_APPLICANT_PASSWORD. A unit's member also publishes a demand from the form, and the
// organizer holds a matchmaking event and ticks what it presents.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const organizerPassword = process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD;
const applicantPassword = process.env.JIEBANG_APPLICANT_PASSWORD;
let browser;

before(async () => {
  assert.ok(base && organizerPassword && applicantPassword,
    'JIEBANG_URL, JIEBANG_DEMO_ORGANIZER_PASSWORD and JIEBANG_APPLICANT_PASSWORD must be set');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

function watched(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('422')) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

async function signIn(page, email, password) {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(`${base}/`);
}

async function searchDemand(page, word) {
  await page.fill('[data-testid="header-search"]', word);
  await page.press('[data-testid="header-search"]', 'Enter');
  await page.waitForSelector('[data-testid="search-results"]');
  await page.selectOption('[data-testid="search-kind"]', 'demand');
  await page.click('[data-testid="search-button"]');
  await page.waitForSelector('[data-testid="search-results"] [data-kind="demand"]');
  const kinds = await page.locator('[data-testid="search-results"] li').evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'demand'), `only demands: ${kinds}`);
}

test('anyone finds a demand by a Chinese word and reads its matches with reasons', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = watched(page);
  await page.goto(`${base}/`);
  await searchDemand(page, '轴承');
  // The word is marked in the passage it was found in.
  assert.ok(await page.locator('[data-testid="search-results"] b:has-text("轴承")').count() > 0);
  await page.click('[data-testid="search-hit"]:has-text("滚动轴承剩余寿命预测")');
  await page.waitForSelector('[data-testid="demand-title"]');
  assert.equal(await page.locator('[data-testid="demand-contact"]').count(), 0, 'no contact for the public');
  assert.match(await page.locator('[data-testid="withheld"]').innerText(), /联系方式/);
  const first = page.locator('[data-testid="match"]').first();
  assert.match(await first.innerText(), /滚动轴承剩余寿命预测系统/);
  assert.match(await first.innerText(), /同属行业.*通用设备制造业/);
  assert.equal(await page.locator('[data-testid="record-engagement"]').count(), 0, 'the public records nothing');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the organizer records an intention, then the talks and the signing, and the numbers follow', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = watched(page);
  await signIn(page, 'organizer@demo.jiebang.cn', organizerPassword);
  await page.goto(`${base}/catalogue`);
  const signedBefore = Number(await page.locator('[data-testid="signed-total"]').innerText());

  await searchDemand(page, '刀具');
  await page.click('[data-testid="search-hit"]:has-text("数控机床刀具磨损监测")');
  await page.waitForSelector('[data-testid="record-engagement"]');
  assert.match(await page.locator('[data-testid="demand-contact"]').innerText(), /示例联系人/);
  await page.selectOption('[data-testid="engagement-solution"]', { label: '刀具磨损在线监测' });
  await page.click('[data-testid="record-engagement-button"]');
  await page.waitForSelector('[data-testid="flash-done"]:has-text("已记录对接意向")');
  const row = page.locator('[data-testid="engagement"]:has-text("刀具磨损在线监测")');
  assert.equal(await row.locator('[data-testid="engagement-stage"]').innerText(), '意向');

  await row.locator('[data-testid="advance-confirm"]').check();
  await row.locator('[data-testid="advance"]').click();
  await page.waitForSelector('[data-testid="flash-done"]:has-text("对接阶段已更新")');
  assert.equal(await row.locator('[data-testid="engagement-stage"]').innerText(), '洽谈');

  // Signing asks the amount and the date.
  await row.locator('[data-testid="amount"]').fill('58');
  await row.locator('[data-testid="signed-on"]').fill('2026-11-20');
  await row.locator('[data-testid="advance-confirm"]').check();
  await row.locator('[data-testid="advance"]').click();
  await page.waitForSelector('[data-testid="flash-done"]:has-text("对接阶段已更新")');
  assert.equal(await row.locator('[data-testid="engagement-stage"]').innerText(), '签约');
  assert.match(await page.locator('[data-testid="demand-title"] + p').innerText(), /已签约/);

  await page.goto(`${base}/catalogue`);
  assert.equal(Number(await page.locator('[data-testid="signed-total"]').innerText()), signedBefore + 1);
  assert.ok(await page.locator('[data-testid="chart"] svg.bar').count() > 10, 'bars by industry and city');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a unit publishes a demand from the form, a refused field shown beside its input', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const problems = watched(page);
  await signIn(page, 'applicant@demo.jiebang.cn', applicantPassword);
  await page.click('[data-testid="catalogue-link"]');
  await page.click('[data-testid="new-demand"]');
  await page.fill('#number', 'JQ-B-001');
  await page.fill('#title', '陶瓷窑炉能耗优化');
  await page.fill('#organization', '示例陶瓷企业');
  await page.fill('#industries', '30');
  await page.fill('#region', '淄博');
  await page.fill('#pain_points', '窑炉燃气消耗高。');
  await page.fill('#requirements', '节能率 | accuracy>>0.1');
  await page.fill('#contact_name', '赵工');
  await page.fill('#contact_phone', '0533-0000000');
  await page.click('[data-testid="publish-demand"]');
  await page.waitForSelector('[data-field-error="requirements"]');
  assert.equal(await page.inputValue('#title'), '陶瓷窑炉能耗优化', 'the values are kept');
  await page.fill('#requirements', '节能率 | accuracy>=0.1');
  await page.click('[data-testid="publish-demand"]');
  await page.waitForSelector('[data-testid="flash-done"]');
  assert.equal(await page.locator('[data-testid="demand-title"]').innerText(), '陶瓷窑炉能耗优化');
  assert.match(await page.locator('[data-testid="requirements"]').innerText(), /节能率/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the organizer holds a matchmaking event and ticks the demands and solutions it presents', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const problems = watched(page);
  await signIn(page, 'organizer@demo.jiebang.cn', organizerPassword);
  await page.goto(`${base}/events`);
  await page.fill('#name', '2026年冬季智能制造供需对接会（浏览器测试）');
  await page.fill('#held_on', '2026-12-20');
  await page.fill('#region', '火星');
  await page.fill('#host', '示例·工业和信息化局');
  await page.click('[data-testid="event-create"]');
  await page.waitForSelector('[data-field-error="region"]');
  assert.equal(await page.inputValue('#host'), '示例·工业和信息化局', 'the values are kept');
  await page.fill('#region', '济南市');
  await page.click('[data-testid="event-create"]');
  await page.waitForSelector('[data-testid="flash-done"]');
  assert.match(await page.locator('[data-testid="event-title"]').innerText(), /浏览器测试/);
  const form = page.locator('[data-testid="event-entries-form"]');
  await form.locator('input[name="demand_ids"]').first().check();
  await form.locator('input[name="demand_ids"]').nth(1).check();
  await form.locator('input[name="solution_ids"]').first().check();
  await page.click('[data-testid="event-entries-button"]');
  await page.waitForSelector('[data-testid="flash-done"]:has-text("已添加到对接会")');
  const counts = await page.locator('[data-testid="event-results"] .big').allInnerTexts();
  assert.deepEqual(counts.slice(0, 2), ['2', '1'], `demands and solutions on the event: ${counts}`);
  assert.deepEqual(problems, []);
  await page.close();
});
