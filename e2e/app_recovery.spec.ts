/**
 * The page's Train view survives a lost device: the test destroys the page's GPUDevice mid-run (recorded by
 * an init script that wraps requestDevice, so the page needs no test hook) and the run still finishes.
 */
import { expect, test } from './page_fixture';

declare global {
  interface Window {
    testDevices?: GPUDevice[];
  }
}

// Records every GPUDevice the page creates (a string: it runs in the page untouched by the test compiler).
test.use({
  appInitScript: `window.testDevices = [];
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (d) {
      const device = await request.call(this, d);
      window.testDevices.push(device);
      return device;
    };`,
});

const TINY = {
  shots: 5,
  queries: 5,
  metaBatch: 4,
  steps: 1000, // long enough to be still running when the device is destroyed, short enough to finish
  layers: 1,
  hidden: 16,
  logEvery: 5,
  evalEvery: 20,
  evalTasks: 4,
};

test('page: training goes on after the device is lost, from the last evaluation', async ({
  app: { page },
}) => {
  test.setTimeout(90_000);
  await page.getByRole('tab', { name: 'Train' }).click();
  for (const [k, v] of Object.entries(TINY)) await page.locator(`#p-${k}`).fill(String(v));
  await page.getByRole('button', { name: 'Start' }).click();
  const points = () => page.locator('#train-plot').getAttribute('data-points').then(Number);
  // Past the step 20 evaluation: 5, 10, 15, 20 and 25 at least. Polled often: a slow poll once found the
  // 200 steps already done, with nothing left to lose the device in.
  await expect.poll(points, { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(5);
  const { devices, mode } = await page.evaluate(() => {
    window.testDevices!.at(-1)!.destroy();
    return {
      devices: window.testDevices!.length,
      mode: document.querySelector('#view-train')!.getAttribute('data-mode'),
    };
  });
  expect(mode, 'the device was destroyed while training ran').toBe('running');
  await expect
    .poll(() => page.locator('#view-train').getAttribute('data-mode'), { timeout: 60_000 })
    .toBe('finished');
  await expect(page.locator('#status')).toContainText('Finished 1000 steps.');
  const status = (await page.locator('#status').textContent())!;
  const [, lost, from] = status.match(
    /device was lost at step (\d+) \(destroyed\): went on from step (\d+)\./,
  )!;
  // It went back to the last evaluation before the loss (evalEvery 20), not to the start.
  expect(Number(from) % 20, status).toBe(0);
  expect(Number(from)).toBeGreaterThan(0);
  expect(Number(lost)).toBeGreaterThan(Number(from));
  expect(Number(lost) - Number(from)).toBeLessThanOrEqual(20);
  await expect(page.locator('#status')).not.toHaveClass(/error/);
  expect(await page.evaluate(() => window.testDevices!.length)).toBe(devices + 1);
  await expect(page.locator('#train-readout')).toContainText('step 1000 of 1000');
});
