// Every page fits a 390 px phone: the demo's pages, crawled as the public, the applicant and the
// organizer in Chinese and in English, never scroll sideways (wide tables scroll inside their
// own box, long hashes wrap). JIEBANG_URL, JIEBANG_APPLICANT_PASSWORD and
// JIEBANG_DEMO_ORGANIZER_PASSWORD come from scripts/test.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.JIEBANG_URL;
const accounts = {
  applicant: process.env.JIEBANG_APPLICANT_PASSWORD,
  organizer: process.env.JIEBANG_DEMO_ORGANIZER_PASSWORD,
};
// Pages per walk, and how many of one route shape (ids replaced) are worth a visit.
const PAGES = 60;
const SAME_SHAPE = 2;
let browser;

before(async () => {
  assert.ok(base && accounts.applicant && accounts.organizer, 'JIEBANG_URL and the demo passwords');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => { await browser?.close(); });

async function walk(who, lang) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`); });
  if (who) {
    await page.goto(`${base}/login`);
    await page.fill('#email', `${who}@demo.jiebang.cn`);
    await page.fill('#password', accounts[who]);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  }
  await page.goto(`${base}/lang/${lang}?next=/`);
  const queue = ['/'];
  const seen = new Set(queue);
  const shapes = new Map();
  const overflowing = [];
  let visited = 0;
  while (queue.length && visited < PAGES) {
    const path = queue.shift();
    const response = await page.goto(`${base}${path}`);
    if (!response || !(response.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    visited += 1;
    const { width, culprit } = await page.evaluate(() => {
      const width = document.documentElement.scrollWidth;
      // The widest element that is not inside a scrolling box, to name in the failure.
      let culprit = '';
      for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.table-wrap') || el.closest('svg')) continue;
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1) culprit = `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.slice(0, 40)}`;
      }
      return { width, culprit };
    });
    if (width > 391) overflowing.push(`${path} is ${width} px wide (${culprit})`);
    const links = await page.$$eval('a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      const link = href.split('#')[0];
      if (/^\/(lang|api|static|logout|files)\b/.test(link) || /\/(pdf|licence)$|\/files\/\d+$/.test(link)) continue;
      const shape = link.replace(/\d+/g, '9');
      const count = shapes.get(shape) ?? 0;
      if (count < SAME_SHAPE && !seen.has(link)) {
        seen.add(link);
        shapes.set(shape, count + 1);
        queue.push(link);
      }
    }
  }
  await context.close();
  return { visited, overflowing, problems };
}

for (const lang of ['zh', 'en']) {
  for (const who of [null, 'applicant', 'organizer']) {
    test(`no page overflows a 390 px phone (${who ?? 'public'}, ${lang})`, async () => {
      const { visited, overflowing, problems } = await walk(who, lang);
      assert.ok(visited >= 8, `only ${visited} pages were visited`);
      assert.deepEqual(overflowing, [], 'pages wider than the phone');
      assert.deepEqual(problems, [], 'no console errors');
    });
  }
}
