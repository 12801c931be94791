/**
 * Device view: the adapter, its features and the limits that decide which models fit; or, without WebGPU,
 * what to do about it (a blank page would leave the user guessing).
 */
import { h } from './dom';
import { getGpu } from './state';

const KEY_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

function noWebGpu(why: string): HTMLElement {
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('h3', {}, 'WebGPU is not available'),
    h('p', {}, why),
    h(
      'ul',
      {},
      h('li', {}, 'Use Chrome or Edge 113 or newer (desktop), served from https:// or localhost.'),
      h(
        'li',
        {},
        'On Linux, start Chrome with ',
        h('code', {}, '--enable-unsafe-webgpu'),
        ' (and ',
        h('code', {}, '--enable-features=Vulkan'),
        '), or enable “Unsafe WebGPU Support” in ',
        h('code', {}, 'chrome://flags'),
        '.',
      ),
      h('li', {}, 'Check chrome://gpu: “WebGPU: Hardware accelerated” should be listed.'),
    ),
    h('p', {}, 'Training, adapting and checkpoints need WebGPU; this page stays usable to read.'),
  );
}

/** Fills the view; resolves true when a device was acquired. */
export async function renderDevice(root: HTMLElement): Promise<boolean> {
  root.replaceChildren(h('h2', {}, 'Device'), h('p', {}, 'Looking for a WebGPU adapter…'));
  if (!('gpu' in navigator) || !navigator.gpu) {
    root.replaceChildren(h('h2', {}, 'Device'), noWebGpu('This browser has no navigator.gpu.'));
    return false;
  }
  let gpu;
  try {
    gpu = await getGpu();
  } catch (e) {
    root.replaceChildren(h('h2', {}, 'Device'), noWebGpu((e as Error).message));
    return false;
  }
  const a = gpu.adapter;
  const dl = h('dl', { class: 'facts' });
  const row = (k: string, v: string) => dl.append(h('dt', {}, k), h('dd', {}, v || '—'));
  row('Vendor', a.vendor);
  row('Architecture', a.architecture);
  row('Device', a.device);
  row('Description', a.description);
  row('Fallback (software) adapter', a.isFallbackAdapter ? 'yes' : 'no');
  const limits = h('table', { class: 'limits' }, h('caption', {}, 'Limits'));
  for (const k of KEY_LIMITS) {
    const v = (gpu.limits as unknown as Record<string, number>)[k];
    limits.append(h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v?.toLocaleString('en') ?? '—')));
  }
  const features = [...gpu.features].sort();
  root.replaceChildren(
    h('h2', {}, 'Device'),
    dl,
    h('h3', {}, 'Features'),
    h('p', { class: 'features' }, features.length ? features.join(', ') : 'none beyond core WebGPU'),
    limits,
  );
  return true;
}
