/** uPlot charts sized to their container, redrawn on resize (the page must read well narrow too). */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function chart(root: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, height = 300): uPlot {
  const width = () => Math.max(260, root.clientWidth || 600);
  const plot = new uPlot({ ...opts, width: width(), height }, [[]] as unknown as uPlot.AlignedData, root);
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
  resize.observe(root);
  const destroy = plot.destroy.bind(plot);
  plot.destroy = () => {
    resize.disconnect(); // a chart replaced by another (a new task's series) must stop resizing
    destroy();
  };
  return plot;
}

export const COLORS = {
  loss: '#1f6fb2',
  metric: '#d9480f',
  truth: '#2b8a3e',
  before: '#868e96',
  after: '#c2255c',
};
