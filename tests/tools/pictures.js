// The browser half of tests/tools/pictures.py (make pictures): headless
// Chromium, logged in to RabbitMQ's management UI as guest, takes one
// cropped screenshot per request.
//
//     node tests/tools/pictures.js http://127.0.0.1:15673
//
// Reads one request a line on stdin, as JSON:
//     {"hash": "#/queues/%2F/basic.greetings",   the page of the UI
//      "wait": ["basic.greetings", "5"],         text the crop must show
//      "crop": ["#main h1", "#lengths-q"],       what to show, in their box
//      "css": "...",                             more style: hide, enlarge
//      "prefs": {"column-queues-type": "false"}, the UI's settings
//      "drop": ["Virtual host"],                 a list's columns, a chart's
//                                                lines to leave out
//      "api": ["/api/queues/%2F/basic.greetings"],  records to keep
//      "out": "docs/ui/basic.png"}
// and answers one line: {"out", "width", "height", "text_px": the smallest
// text in the crop, in CSS px, "api": {path: the last JSON the page got}}.
// The record is what the page itself was sent: what the picture shows.
'use strict';
const readline = require('readline');
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const SCALE = 2; // device pixels per CSS px: sharp on phones and wide screens
// The UI's own 12px Verdana, with its smaller labels (0.8em) and the charts'
// axis labels brought up to it, so no text in a picture is smaller.
// Headings as wide as their text, so that they do not widen a crop; no
// times under the charts, which would overlap at that size (each chart's
// heading says it spans the last minute).
const LEGIBLE = `sub, small, .flot-tick-label, .legend td, .legendLabel
  { font-size: 12px !important; }
  #main h1, #main h3 { display: inline-block; }
  .flot-x-axis, .flot-x-axis .flot-tick-label { display: none !important; }
  #main h1 { max-width: 330px; }`;
// Where each page finds the style of the picture under way: it is put in
// before the UI draws its charts, which size themselves once.
const STYLE = 'pictures-css';

// In the page: the box around every element the selectors find, and the
// smallest font size of the text inside it.
function measure(selectors) {
  // Only what is shown: a folded section's elements have no box.
  const elements = selectors.flatMap(s => [...document.querySelectorAll(s)])
    .filter(e => e.getBoundingClientRect().width > 0);
  const boxes = elements.map(e => e.getBoundingClientRect());
  const box = {
    x: Math.min(...boxes.map(b => b.left)), y: Math.min(...boxes.map(b => b.top)),
    right: Math.max(...boxes.map(b => b.right)), bottom: Math.max(...boxes.map(b => b.bottom)),
  };
  let smallest = Infinity;
  const text = [];
  for (const element of elements) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      const style = getComputedStyle(node.parentElement);
      if (!r.width || style.visibility === 'hidden' || r.right <= box.x
          || r.left >= box.right || r.bottom <= box.y || r.top >= box.bottom) continue;
      smallest = Math.min(smallest, parseFloat(style.fontSize));
      text.push(node.data.trim());
    }
  }
  return { box, smallest, text: text.join(' ') };
}

async function shoot(page, origin, request, records) {
  // The UI's own settings first (columns shown, a name filter), then the
  // page loaded afresh with them.
  await page.evaluate(([prefs, key, css]) => {
    for (const [name, value] of Object.entries(prefs)) store_pref(name, value);
    localStorage.setItem(key, css);
  }, [request.prefs || {}, STYLE, LEGIBLE + (request.css || '')]);
  await page.goto(`${origin}/${request.hash}`);
  records.clear();
  await page.reload();
  const selectors = request.crop;
  // Wait until the crop shows every text awaited (the UI fills in its
  // tables and charts after its API calls answer).
  await page.waitForFunction(([selectors, wanted]) => {
    const text = selectors.flatMap(s => [...document.querySelectorAll(s)])
      .filter(e => e.getBoundingClientRect().width > 0)
      .map(e => e.innerText).join(' ');
    return text && wanted.every(w => text.includes(w));
  }, [selectors, request.wait || []], { timeout: 30000, polling: 200 });
  for (const path of request.api || []) {
    if (!records.has(path)) {
      const response = await page.waitForResponse(
        r => new URL(r.url()).pathname === path && r.status() === 200, { timeout: 15000 });
      records.set(path, await response.json());
    }
  }
  // No refresh while the picture is taken: it shows what was recorded.
  await page.evaluate(() => set_timer_interval(null));
  // A list's columns that say nothing here (the virtual host, when there
  // are others), its row of group headings and its +/- button.
  await page.evaluate(drop => {
    for (const table of document.querySelectorAll('#main table.list')) {
      const rows = [...table.rows];
      const headings = rows.find(row => [...row.cells].some(c => drop.includes(c.innerText.trim())));
      if (!headings) continue;
      const gone = [...headings.cells].map((c, i) => drop.includes(c.innerText.trim()) ? i : -1)
        .filter(i => i >= 0);
      for (const row of rows.slice(rows.indexOf(headings))) {
        for (const i of gone) if (row.cells[i]) row.cells[i].style.display = 'none';
      }
      for (const row of rows.slice(0, rows.indexOf(headings))) row.style.display = 'none';
      for (const cell of table.querySelectorAll('th.plus-minus')) cell.style.display = 'none';
    }
    // A chart's lines in its legend likewise.
    for (const row of document.querySelectorAll('#main table.legend tr')) {
      if (drop.includes(row.cells[0].innerText.trim())) row.style.display = 'none';
    }
  }, request.drop || []);
  const found = await page.evaluate(measure, selectors);
  const pad = 6;
  const clip = {
    x: Math.max(0, found.box.x - pad), y: Math.max(0, found.box.y - pad),
  };
  clip.width = Math.ceil(found.box.right + pad - clip.x);
  clip.height = Math.ceil(found.box.bottom + pad - clip.y);
  await page.screenshot({ path: request.out, clip });
  const api = {};
  for (const path of request.api || []) api[path] = records.get(path);
  return { out: request.out, width: clip.width, height: clip.height,
           text_px: found.smallest, text: found.text, api };
}

async function main() {
  const origin = process.argv[2];
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1400 }, deviceScaleFactor: SCALE });
  await context.addInitScript(key => {
    document.addEventListener('DOMContentLoaded', () => {
      const style = document.createElement('style');
      style.textContent = localStorage.getItem(key) || '';
      document.head.appendChild(style);
    });
  }, STYLE);
  const page = await context.newPage();
  // The JSON the page was sent last, by path: what it shows.
  const records = new Map();
  page.on('response', async response => {
    const path = new URL(response.url()).pathname;
    if (!path.startsWith('/api/') || response.status() !== 200) return;
    try {
      records.set(path, await response.json());
    } catch (error) { /* not JSON, or the page moved on */ }
  });
  await page.goto(`${origin}/`);
  await page.fill('input[name=username]', 'guest');
  await page.fill('input[name=password]', 'guest');
  await page.click('input[type=submit]');
  await page.waitForSelector('#main h1', { timeout: 30000 });
  console.log(JSON.stringify({ ready: true }));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
      answer = await shoot(page, origin, JSON.parse(line), records);
    } catch (error) {
      answer = { error: error.message.split('\n')[0] };
      // What the page showed instead, to see why.
      const seen = `${require('os').tmpdir()}/pictures-failed`;
      await page.screenshot({ path: `${seen}.png`, fullPage: true }).catch(() => {});
      require('fs').writeFileSync(`${seen}.html`, await page.content().catch(() => ''));
      answer.error += ` (the page: ${seen}.png, .html)`;
    }
    console.log(JSON.stringify(answer));
  }
  await browser.close();
}

main().catch(error => {
  console.error(error.stack || String(error));
  process.exit(2);
});
