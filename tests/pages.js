// Every page of the built docs in headless Chromium, wide and narrow:
//
//     node tests/pages.js docs/_build/html
//
// Prints one line per problem: an image that did not load, an internal link
// to a file or #anchor that does not exist, a console error or uncaught page
// error, content wider than the window. Exit status 0 only when there is none.
// External http(s) links are not fetched, and nothing outside the folder is
// loaded: the pages must work offline.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const WIDTHS = [[1280, 800], [390, 844]];
const TYPES = {
  '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript',
  '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.gif': 'image/gif', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
  '.txt': 'text/plain', '.woff': 'font/woff', '.woff2': 'font/woff2',
};

// The file a URL path names in the folder, or null.
function fileFor(root, urlPath) {
  let file = path.join(root, decodeURIComponent(urlPath));
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  return fs.existsSync(file) ? file : null;
}

// The folder over HTTP on 127.0.0.1, as a web server would serve it.
function serve(root) {
  const server = http.createServer((request, response) => {
    const file = fileFor(root, new URL(request.url, 'http://x').pathname);
    if (!file) {
      response.writeHead(404).end('not found');
      return;
    }
    const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
    response.writeHead(200, { 'Content-Type': type });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function htmlPages(root, folder = root) {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return htmlPages(root, full);
    return entry.name.endsWith('.html') ? [path.relative(root, full).split(path.sep).join('/')] : [];
  }).sort();
}

// In the page: images and <object>s that did not load.
async function brokenImages() {
  const wait = element => new Promise(resolve => {
    element.addEventListener('load', resolve);
    element.addEventListener('error', resolve);
    setTimeout(resolve, 10000);
  });
  const images = [...document.images];
  for (const image of images) image.loading = 'eager';
  await Promise.all(images.filter(image => !image.complete).map(wait));
  const broken = images.filter(image => image.naturalWidth === 0)
    .map(image => `<img src="${image.getAttribute('src')}">`);
  // An image in an <object> is shown inside it, out of reach: load it again.
  for (const object of document.querySelectorAll('object[data]')) {
    if (object.type && !object.type.startsWith('image/')) continue;
    const image = new Image();
    image.src = object.data;
    await image.decode().catch(() => {});
    if (image.naturalWidth === 0) broken.push(`<object data="${object.getAttribute('data')}">`);
  }
  return broken;
}

// In the page: every link, and every #anchor a link may point to.
function linksAndAnchors() {
  const links = [...document.querySelectorAll('a[href], area[href]')]
    .map(link => ({ raw: link.getAttribute('href'), url: link.href }));
  const anchors = [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name);
  return { links, anchors };
}

// In the page: content that reaches past the right edge of the window, unless
// inside a container within the page's content that scrolls sideways, such as
// a <pre> or a table wrapper. A container around the whole content (Furo's
// column on a phone) is the page itself: what overflows it is reported.
function tooWide() {
  const width = document.documentElement.clientWidth;
  const height = document.documentElement.clientHeight;
  const main = document.querySelector('[role=main], main, article') || document.body;
  const found = [];
  const scroller = document.scrollingElement;
  if (scroller.scrollWidth > scroller.clientWidth || scroller.scrollWidth > window.innerWidth) {
    found.push(`the page is ${scroller.scrollWidth}px wide, the window ${width}px`);
  }
  const describe = (element, quote = true) => {
    const name = e => e.localName + (e.id ? `#${e.id}` : '')
      + [...e.classList].slice(0, 3).map(c => `.${c}`).join('');
    const trail = [];
    for (let e = element; e && e !== document.body && trail.length < 4; e = e.parentElement) {
      trail.unshift(name(e));
      if (e.id) break;
    }
    const text = (element.innerText || element.textContent || '').trim().replace(/\s+/g, ' ');
    return trail.join(' > ') + (quote && text ? ` "${text.slice(0, 60)}${text.length > 60 ? '…' : ''}"` : '');
  };
  const beyond = right => right > width + 0.5;
  const offScreen = r => r.left >= width || r.right <= 0 || r.top >= height || r.bottom <= 0;
  // clippedBy: the nearest ancestor that hides its overflow without scrolling.
  const visit = (element, clippedBy) => {
    const style = getComputedStyle(element);
    if (style.display === 'none') return;
    const box = element.getBoundingClientRect();
    // An off-canvas drawer, such as the table of contents on a phone.
    if (style.position === 'fixed' && offScreen(box)) return;
    // Visually hidden, for screen readers: a 1px box that hides the rest.
    if (['hidden', 'clip'].includes(style.overflowX) && box.width <= 1) return;
    const shown = style.visibility !== 'hidden' && style.display !== 'contents'
      && (box.width > 0 || box.height > 0);
    if (shown && beyond(box.right)) {
      found.push(`${describe(element)} reaches ${Math.round(box.right)}px, the window is ${width}px`
        + (clippedBy ? ` (cut off by ${describe(clippedBy, false)})` : ''));
      return;
    }
    if (element !== document.documentElement && element !== document.body) {
      if (['auto', 'scroll'].includes(style.overflowX)) {
        if (!element.contains(main)) return;
        if (element.scrollWidth > element.clientWidth + 1) {
          found.push(`the page's content scrolls sideways: ${describe(element, false)} holds `
            + `${element.scrollWidth}px in ${element.clientWidth}px`);
        }
      }
      if (['hidden', 'clip'].includes(style.overflowX)) clippedBy = element;
    }
    for (const child of element.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE) {
        visit(child, clippedBy);
      } else if (child.nodeType === Node.TEXT_NODE && child.data.trim()
                 && style.visibility !== 'hidden') {
        const range = document.createRange();
        range.selectNodeContents(child);
        const right = Math.max(...[...range.getClientRects()].map(r => r.right));
        if (beyond(right)) {
          found.push(`text in ${describe(element)} reaches ${Math.round(right)}px, `
            + `the window is ${width}px` + (clippedBy ? ` (cut off by ${describe(clippedBy, false)})` : ''));
          return;
        }
      }
    }
  };
  visit(document.documentElement, null);
  return found;
}

async function check(browser, origin, pages, [width, height], problems, anchors, links) {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.route('**/*', route => (route.request().url().startsWith(origin + '/')
    ? route.continue() : route.abort('blockedbyclient')));
  for (const name of pages) {
    const report = (kind, detail) => problems.add(`${name} at ${width}px: ${kind}: ${detail}`);
    const page = await context.newPage();
    page.on('console', message => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      report('console error', message.text() + (where ? ` (${where.replace(origin + '/', '')})` : ''));
    });
    page.on('pageerror', error => report('uncaught error', error.stack || String(error)));
    page.on('response', response => {
      if (response.status() >= 400) {
        report('missing file', `${response.url().replace(origin + '/', '')} (${response.status()})`);
      }
    });
    page.on('request', request => {
      if (!request.url().startsWith(origin + '/') && /^(https?|wss?|ftp):/.test(request.url())) {
        report('loads from outside the docs (no network here)', request.url());
      }
    });
    try {
      await page.goto(`${origin}/${name}`, { waitUntil: 'networkidle', timeout: 30000 });
      await page.evaluate(() => document.fonts.ready);
      for (const broken of await page.evaluate(brokenImages)) report('broken image', broken);
      for (const wide of await page.evaluate(tooWide)) report('too wide', wide);
      const found = await page.evaluate(linksAndAnchors);
      anchors.set(name, new Set(found.anchors));
      for (const link of found.links) links.push({ page: name, ...link });
    } catch (error) {
      report('did not load', error.message.split('\n')[0]);
    }
    await page.close();
  }
  await context.close();
}

// Internal links whose file or #anchor does not exist.
function brokenLinks(root, origin, anchors, links) {
  const found = new Set();
  for (const { page, raw, url } of links) {
    const target = new URL(url);
    if (['mailto:', 'tel:', 'javascript:', 'data:'].includes(target.protocol)) continue;
    if (target.origin !== origin) {
      if (['http:', 'https:'].includes(target.protocol)) continue; // external: not fetched
      found.add(`${page}: broken link: ${raw} (${target.protocol} does not work on the web)`);
      continue;
    }
    const file = fileFor(root, target.pathname);
    const name = file && path.relative(root, file).split(path.sep).join('/');
    const id = decodeURIComponent(target.hash.slice(1));
    if (!file) {
      found.add(`${page}: broken link: ${raw} (no such file)`);
    } else if (id && id.toLowerCase() !== 'top' && anchors.has(name) && !anchors.get(name).has(id)) {
      found.add(`${page}: broken link: ${raw} (no #${id} in ${name})`);
    }
  }
  return [...found];
}

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node tests/pages.js BUILT_HTML_FOLDER');
    process.exit(2);
  }
  const root = path.resolve(process.argv[2]);
  const pages = htmlPages(root);
  if (!pages.length) {
    console.error(`no *.html under ${root}: build the docs first`);
    process.exit(2);
  }
  const server = await serve(root);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const found = new Set();
  const anchors = new Map();
  const links = [];
  try {
    await Promise.all(WIDTHS.map(size => check(browser, origin, pages, size, found, anchors, links)));
  } finally {
    await browser.close();
    server.close();
  }
  const problems = [...found].sort().concat(brokenLinks(root, origin, anchors, links));
  for (const problem of problems) console.log(problem);
  console.log(`${pages.length} pages at ${WIDTHS.map(([w]) => `${w}px`).join(' and ')}: `
    + `${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(problems.length ? 1 : 0);
}

main().catch(error => {
  console.error(error.stack || String(error));
  process.exit(2);
});
