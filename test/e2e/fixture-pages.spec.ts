/**
 * What a person sees on every fixture page, driven by the real phoenix_live_view client: each page connects
 * with no console errors and no error state, and each interaction updates the DOM.
 */
import { test as base, expect, type Page } from '@playwright/test';

const test = base.extend<{ lv: Page }>({
  lv: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await use(page);
    expect(errors, 'console errors').toEqual([]);
    await expect(page.locator('.phx-error')).toHaveCount(0);
  },
});

/** Connected, and no event in flight: the DOM shows the server's last reply. */
async function settled(page: Page): Promise<void> {
  await expect(page.locator('[data-phx-main].phx-connected')).toHaveCount(1);
  await expect(page.locator('[data-phx-ref-src]')).toHaveCount(0);
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await settled(page);
}

test('index links to every page and navigates live', async ({ lv }) => {
  await visit(lv, '/');
  for (const slug of ['counter', 'form', 'stream', 'list', 'components', 'components-live', 'async', 'chat', 'nested']) {
    await expect(lv.locator(`#link-${slug}[data-phx-link="redirect"]`)).toHaveCount(1);
  }
  await lv.click('#link-counter');
  await expect(lv).toHaveURL(/\/counter$/);
  await expect(lv.locator('#count')).toHaveText('0');
  await expect(lv).toHaveTitle('Counter · Rookery fixture');
  await settled(lv);
});

test('/counter: inc, dec and a live_patch to step 2', async ({ lv }) => {
  await visit(lv, '/counter');
  await expect(lv.locator('#count')).toHaveText('0');
  await lv.click('#inc');
  await lv.click('#inc');
  await expect(lv.locator('#count')).toHaveText('2');
  await lv.click('#dec');
  await expect(lv.locator('#count')).toHaveText('1');
  await lv.click('#patch');
  await expect(lv).toHaveURL(/\/counter\?step=2$/);
  await expect(lv.locator('#step')).toHaveText('2');
  await lv.click('#inc');
  await expect(lv.locator('#count')).toHaveText('3');
  await settled(lv);
});

test('/counter?glitch=1 renders a visibly wrong state after an event; without it, never', async ({ lv }) => {
  await visit(lv, '/counter?glitch=1');
  await expect(lv.locator('.glitch')).toHaveCount(0);
  await lv.click('#inc');
  await expect(lv.locator('#count.glitch')).toHaveText('1');
  await expect(lv.locator('h1.page-title')).toHaveCSS('background-color', 'rgb(224, 25, 43)');
  await visit(lv, '/counter');
  await lv.click('#inc');
  await expect(lv.locator('#count')).toHaveText('1');
  await expect(lv.locator('.glitch')).toHaveCount(0);
});

test('/form: errors as you type, then #saved on submit', async ({ lv }) => {
  await visit(lv, '/form');
  await lv.locator('#signup-name').pressSequentially('A');
  await expect(lv.locator('#name-error')).toHaveText('Name must be at least 2 characters');
  // Untouched fields show no error yet.
  await expect(lv.locator('#email-error')).toHaveCount(0);
  await lv.locator('#signup-name').pressSequentially('da');
  await expect(lv.locator('#name-error')).toHaveCount(0);
  await lv.locator('#signup-email').pressSequentially('ada');
  await expect(lv.locator('#email-error')).toHaveText('Email must contain @');
  await lv.locator('#signup-email').pressSequentially('@example.com');
  await expect(lv.locator('#email-error')).toHaveCount(0);
  await lv.click('#signup-submit');
  await expect(lv.locator('#saved')).toHaveText('Saved Ada <ada@example.com>');
  await settled(lv);
});

test('/form: submitting empty shows every error and no confirmation', async ({ lv }) => {
  await visit(lv, '/form');
  await lv.click('#signup-submit');
  await expect(lv.locator('#name-error')).toHaveText('Name is required');
  await expect(lv.locator('#email-error')).toHaveText('Email is required');
  await expect(lv.locator('#saved')).toHaveCount(0);
});

for (const path of ['/stream', '/list'] as const) {
  test(`${path}?n=5: add at the top, delete, reset`, async ({ lv }) => {
    await visit(lv, `${path}?n=5`);
    const items = lv.locator('#items > li');
    await expect(items).toHaveCount(5);
    await lv.click('#add');
    await expect(items).toHaveCount(6);
    await expect(items.first()).toHaveAttribute('id', 'items-6');
    await expect(items.first()).toContainText('Item 6');
    await lv.click('#delete-2');
    await expect(lv.locator('#items-2')).toHaveCount(0);
    await expect(items).toHaveCount(5);
    await lv.click('#reset');
    await expect(items).toHaveCount(5);
    await expect(items.first()).toHaveAttribute('id', 'items-1');
    await expect(lv.locator('#items-6')).toHaveCount(0);
    await settled(lv);
  });
}

test('/stream?glitch=1 renders the header and the new item red', async ({ lv }) => {
  await visit(lv, '/stream?n=3&glitch=1');
  await lv.click('#add');
  await expect(lv.locator('#items-4.glitch')).toHaveCount(1);
  await expect(lv.locator('h1.page-title.glitch')).toHaveCount(1);
});

test('/stream has 100 items by default, in a stream container', async ({ lv }) => {
  await visit(lv, '/stream');
  await expect(lv.locator('#items[phx-update="stream"] > li')).toHaveCount(100);
  await expect(lv.locator('#items > li[data-phx-stream]')).toHaveCount(100);
});

for (const mode of ['function', 'live'] as const) {
  test(`/components?mode=${mode}: +1 on a row bumps only that row`, async ({ lv }) => {
    await visit(lv, `/components?mode=${mode}&n=50`);
    await expect(lv.locator('#rows > li')).toHaveCount(50);
    await expect(lv.locator('#mode')).toHaveText(mode);
    // Each click waits for its patch: a second click while the first is still in flight could land on an element
    // the client is patching (seen once in eight loaded runs), and this test is about which row changes.
    await lv.click('#bump-3');
    await expect(lv.locator('#count-3')).toHaveText('1');
    await lv.click('#bump-3');
    await expect(lv.locator('#count-3')).toHaveText('2');
    await lv.click('#bump-50');
    await expect(lv.locator('#count-50')).toHaveText('1');
    await expect(lv.locator('#count-4')).toHaveText('0');
    if (mode === 'live') await expect(lv.locator('#row-3[data-phx-component]')).toHaveCount(1);
    await settled(lv);
  });
}

test('/async?ms=200: loading first, then the pushed result; reload repeats', async ({ lv }) => {
  // Every data-state #result ever shows, recorded in the page: on a busy machine the 200 ms result can arrive
  // before a poll from the test would see "loading", so the order is checked on the record, not by racing it.
  await lv.addInitScript(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    const note = () => {
      const s = document.getElementById('result')?.getAttribute('data-state');
      if (s && w.__states.at(-1) !== s) w.__states.push(s);
    };
    new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await lv.goto('/async?ms=200');
  await expect(lv.locator('#result')).toHaveAttribute('data-state', 'ok');
  const states = await lv.evaluate(() => (window as unknown as { __states: string[] }).__states);
  expect(states.indexOf('loading')).toBeGreaterThanOrEqual(0);
  expect(states.lastIndexOf('ok')).toBeGreaterThan(states.indexOf('loading'));
  await expect(lv.locator('#result')).toContainText('run 1 after 200 ms');
  await lv.click('#reload');
  await expect(lv.locator('#result')).toContainText('run 2');
  await settled(lv);
});

test('/chat: a message from one user appears for every user', async ({ lv, browser }) => {
  await visit(lv, '/chat');
  const other = await browser.newContext();
  try {
    const p2 = await other.newPage();
    await visit(p2, '/chat');
    const text = `hello ${Date.now()}`;
    await lv.fill('#chat-form input[name=message]', text);
    await lv.press('#chat-form input[name=message]', 'Enter');
    await expect(p2.locator('#messages > li', { hasText: text })).toHaveCount(1);
    await expect(lv.locator('#messages > li', { hasText: text })).toHaveCount(1);
    await expect(lv.locator('#chat-form input[name=message]')).toHaveValue('');
    await p2.fill('#chat-form input[name=message]', `reply ${text}`);
    await p2.click('#chat-send');
    await expect(lv.locator('#messages > li', { hasText: `reply ${text}` })).toHaveCount(1);
  } finally {
    await other.close();
  }
});

test('/nested: the child LiveView joins as its own topic and both update', async ({ lv }) => {
  await visit(lv, '/nested');
  const child = lv.locator('#nested-child');
  await expect(child).toHaveClass(/phx-connected/);
  await expect(child).toHaveAttribute('data-phx-parent-id', /^phx-/);
  await lv.click('#child-inc');
  await expect(lv.locator('#child-count')).toHaveText('1');
  await lv.click('#parent-inc');
  await expect(lv.locator('#parent-count')).toHaveText('1');
  await expect(lv.locator('#child-count')).toHaveText('1');
});

test('unknown paths are a plain 404, not a LiveView', async ({ page }) => {
  const res = await page.goto('/does-not-exist');
  expect(res?.status()).toBe(404);
});
