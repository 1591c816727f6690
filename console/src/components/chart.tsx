/**
 * ECharts, tree-shaken: only the chart type and components the console draws are bundled
 * (echarts/core), and this module is loaded only by the pages that draw charts.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Every chart of the console is a bar chart (the funnel too: bars read more exactly than a
// funnel's trapezoids); each further chart type or component costs every chart page its bytes.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

interface Props {
  option: ChartOption;
  /** What the chart shows, for screen readers. */
  label: string;
  height?: number;
}

export function Chart({ option, label, height = 320 }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const instance = echarts.init(host.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(host.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);

  // The page's own summary names the chart for screen readers (ECharts' aria component would
  // write a generated description over it, and cost every chart page its bytes).
  return <div ref={host} role="img" aria-label={label} style={{ width: '100%', height }} />;
}
